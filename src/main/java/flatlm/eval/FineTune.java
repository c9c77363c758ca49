package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.model.LrSchedule;
import flatlm.model.Optimizer;
import flatlm.util.BadInputException;
import flatlm.util.Shuffle;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fine-tuning (paper App. A, after Devlin et al.; SPEC.md section 4): a linear head on the final
 * hidden state of [CLS], all weights trained with AdamW (lr 1e-4, β 0.9/0.999, ε 1e-8, decoupled
 * weight decay 0.01) for 10 epochs, the learning rate rising linearly over 200 warmup steps and
 * then decaying linearly to 0 (BERT's schedule), batches of 32 shuffled every epoch. Cross-entropy
 * for classification, squared error for regression (Dyck). The head is drawn N(0, 0.02²) with a
 * zero bias. Every seed restarts from the checkpoint's weights; every step runs in its own
 * {@link PointerScope}, and the head and optimiser state of a seed are freed when it ends.
 */
public final class FineTune {
    public record Options(double lr, int warmup, int epochs, int batchSize, double weightDecay) {
        public Options {
            if (!(lr > 0)) throw new BadInputException("finetune.lr must be > 0, got " + lr);
            if (warmup < 0) throw new BadInputException("finetune.warmup must be >= 0, got " + warmup);
            if (epochs < 1) throw new BadInputException("finetune.epochs must be >= 1, got " + epochs);
            if (batchSize < 1) throw new BadInputException("finetune.batchSize must be >= 1, got " + batchSize);
            if (!(weightDecay >= 0)) throw new BadInputException("finetune.weightDecay must be >= 0, got " + weightDecay);
        }

        /** The paper's: AdamW lr 1e-4, 200 warmup steps, 10 epochs; batch 32, weight decay 0.01. */
        public static Options defaults() {
            return new Options(1e-4, 200, 10, 32, 0.01);
        }
    }

    private FineTune() {}

    /**
     * Fine-tunes {@code model} once per split (one split per seed) and restores its original
     * weights afterwards. {@code language} (nullable) gives the Bayes ceiling; {@code tick}
     * (nullable) is called after each optimiser step.
     */
    public static DownstreamResult run(MlmModel model, Language language, DownstreamTask task, List<DownstreamSplit> splits,
                                       Probe.Setup setup, Options o, Runnable tick) {
        long t0 = System.nanoTime();
        Map<String, Tensor> original = snapshot(model);
        boolean wasTraining = model.isTraining();
        List<DownstreamResult.SeedResult> seeds = new ArrayList<>();
        try {
            for (DownstreamSplit split : splits) {
                restore(model, original);
                seeds.add(runSeed(model, split, o, BayesCeiling.onTest(language, task, split), tick));
            }
        } finally {
            restore(model, original);
            model.zeroGrad();
            model.setTraining(wasTraining);
            for (Tensor t : original.values()) t.releaseReference();
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("lr", o.lr());
        settings.put("warmup", o.warmup());
        settings.put("epochs", o.epochs());
        settings.put("batch_size", o.batchSize());
        settings.put("weight_decay", o.weightDecay());
        settings.put("train", setup.train());
        settings.put("test", setup.test());
        settings.put("base_seed", setup.seed());
        return new DownstreamResult("finetune", task.name(), task.numClasses(), seeds, settings, (System.nanoTime() - t0) / 1e9);
    }

    /** Optimiser steps of one seed: epochs · ⌈train / batch⌉. */
    public static int steps(int train, Options o) {
        return o.epochs() * ((train + o.batchSize() - 1) / o.batchSize());
    }

    private static void restore(MlmModel model, Map<String, Tensor> values) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) e.getValue().copy_(values.get(e.getKey()));
        }
    }

    private static Map<String, Tensor> snapshot(MlmModel model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                out.put(e.getKey(), Torch.keep(e.getValue().detach().clone()));
            }
        }
        return out;
    }

    /** Fine-tunes from the model's current weights on one split; leaves the model trained. */
    public static DownstreamResult.SeedResult runSeed(MlmModel model, DownstreamSplit split, Options o, double bayes, Runnable tick) {
        boolean regression = split.regression();
        int outputs = regression ? 1 : split.numClasses();
        int d = model.hiddenSize();
        int n = split.trainWords().length;
        int totalSteps = steps(n, o);
        LrSchedule schedule = new LrSchedule(o.lr(), o.warmup(), "linear", 0.0, totalSteps);
        SplittableRandom init = EvalSeeds.rng(split.seed(), EvalSeeds.INIT);
        SplittableRandom order = EvalSeeds.rng(split.seed(), EvalSeeds.ORDER);
        torch.ScalarType type = model.dtype().scalarType();
        String device = model.device();
        int step = 0;
        double lastLoss = Double.NaN;
        // Everything of this seed (head, optimiser state) lives in this scope, freed at its end.
        try (PointerScope seedScope = new PointerScope()) {
            double[] w0 = new double[outputs * d];
            for (int i = 0; i < w0.length; i++) w0[i] = init.nextGaussian() * 0.02;
            Tensor headW = onDevice(Torch.floatingTensor(w0, type, outputs, d), device, type).requires_grad_(true);
            Tensor headB = onDevice(Torch.floatingTensor(new double[outputs], type, outputs), device, type).requires_grad_(true);
            LinkedHashMap<String, Tensor> params = model.namedParameters();
            params.put("downstream_head.weight", headW);
            params.put("downstream_head.bias", headB);
            Optimizer.AdamW opt = new Optimizer.AdamW(params, 0.9, 0.999, 1e-8, o.weightDecay());
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            torch.manual_seed(init.nextLong()); // dropout masks, if the model has dropout
            for (int epoch = 0; epoch < o.epochs(); epoch++) {
                Shuffle.inPlace(perm, order);
                for (int start = 0; start < n; start += o.batchSize()) {
                    int b = Math.min(o.batchSize(), n - start);
                    int[][] words = new int[b][];
                    double[] targets = new double[b];
                    long[] classes = new long[b];
                    for (int k = 0; k < b; k++) {
                        words[k] = split.trainWords()[perm[start + k]];
                        targets[k] = split.trainLabels()[perm[start + k]];
                        classes[k] = split.trainLabels()[perm[start + k]];
                    }
                    try (PointerScope s = new PointerScope()) {
                        model.setTraining(true);
                        Tensor z = head(model, words, headW, headB);
                        Tensor loss = regression
                            ? z.squeeze(1).sub(onDevice(Torch.floatingTensor(targets, type, b), device, type)).square().mean()
                            : torch.nll_loss(z.log_softmax(1), onDevice(Torch.longTensor(classes, b), device, torch.ScalarType.Long));
                        lastLoss = loss.item_double();
                        if (!Double.isFinite(lastLoss)) {
                            throw new BadInputException("fine-tuning diverged (loss " + lastLoss + " at step " + step
                                + "); try a smaller --lr");
                        }
                        loss.backward();
                        opt.step(schedule.at(step));
                        for (Tensor p : params.values()) {
                            if (p.mutable_grad().defined()) p.mutable_grad().put(new Tensor());
                        }
                    }
                    step++;
                    if (tick != null) tick.run();
                }
            }
            model.setTraining(false);
            double[] train = evaluate(model, headW, headB, split.trainWords(), split.trainLabels(), regression);
            double[] test = evaluate(model, headW, headB, split.testWords(), split.testLabels(), regression);
            return new DownstreamResult.SeedResult(split.seed(), test[0], regression ? test[1] : Double.NaN, Double.NaN, train[0],
                lastLoss, step, true, bayes);
        }
    }

    private static Tensor onDevice(Tensor t, String device, torch.ScalarType type) {
        return "cpu".equals(device) ? t : t.to(Torch.device(device), type);
    }

    /** Head outputs {@code [B, outputs]} on the [CLS] hidden state. */
    private static Tensor head(MlmModel model, int[][] words, Tensor w, Tensor b) {
        MlmBatch mb = MlmBatch.multiMask(words, new int[words.length][0]);
        Tensor h = model.hidden(mb.inputIds(), mb.padMask()); // [B, T, d]
        Tensor cls = h.select(1, 0);
        return torch.linear(cls, w, new TensorOptional(b));
    }

    /** {accuracy, mse} (accuracy of the rounded prediction for regression). */
    private static double[] evaluate(MlmModel model, Tensor w, Tensor b, int[][] words, int[] labels, boolean regression) {
        int hits = 0;
        double se = 0;
        int batch = 256;
        for (int start = 0; start < words.length; start += batch) {
            int m = Math.min(batch, words.length - start);
            int[][] chunk = new int[m][];
            System.arraycopy(words, start, chunk, 0, m);
            double[] z;
            try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                z = Torch.toDoubles(head(model, chunk, w, b));
            }
            int k = z.length / m;
            for (int r = 0; r < m; r++) {
                int y = labels[start + r];
                if (regression) {
                    double d = z[r] - y;
                    se += d * d;
                    if (Math.round(z[r]) == y) hits++;
                } else {
                    int best = 0;
                    for (int c = 1; c < k; c++) if (z[r * k + c] > z[r * k + best]) best = c;
                    if (best == y) hits++;
                }
            }
        }
        return new double[] {(double) hits / words.length, se / words.length};
    }
}
