package flatlm.flatness;

import flatlm.lang.hmm.Hmm;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import flatlm.model.Optimizer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny, enumerable fixtures: a 3-word HMM of length 3 and float64 transformers over it. */
final class Tiny {
    private Tiny() {}

    static final int WORDS = 3;
    static final int LENGTH = 3;

    static Hmm language() {
        return Hmm.random(new Hmm.Config(2, WORDS, 1, LENGTH, 0.5, 0.0), 3);
    }

    /**
     * Every (sentence, position) of the language with weight p(x)/n and its exact conditional:
     * the population single-mask loss, exactly.
     */
    static ContextSet population(Hmm hmm) {
        List<MaskedContext> contexts = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        int n = LENGTH;
        int total = (int) Math.pow(WORDS, n);
        for (int code = 0; code < total; code++) {
            int[] words = new int[n];
            int c = code;
            for (int i = 0; i < n; i++) {
                words[i] = c % WORDS;
                c /= WORDS;
            }
            double p = hmm.probability(words);
            if (p == 0) continue;
            double[][] cond = hmm.conditionals(words);
            for (int i = 0; i < n; i++) {
                contexts.add(new MaskedContext(words, i, cond[i]));
                weights.add(p / n);
            }
        }
        return ContextSet.weighted(contexts, weights.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** d=8, 2 heads, 1 layer, MLP 16, float64: 731 parameters. */
    static ModelConfig config() {
        return new ModelConfig(WORDS, LENGTH, 8, 2, 1, 16, true, 0.0, ModelConfig.DType.FLOAT64);
    }

    /** A model whose parameters are perturbed by N(0, scale²), so the Hessian is far from trivial. */
    static MlmTransformer rough(ModelConfig cfg, long seed, double scale) {
        MlmTransformer m = new MlmTransformer(cfg, seed);
        roughen(m, seed, scale);
        return m;
    }

    static void roughen(MlmTransformer m, long seed, double scale) {
        SplittableRandom rng = new SplittableRandom(seed + 100);
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Tensor p : m.namedParameters().values()) {
                if (Torch.scalarType(p) == org.bytedeco.pytorch.global.torch.ScalarType.Double) {
                    DoublePointer d = p.data_ptr_double();
                    for (long i = 0; i < p.numel(); i++) d.put(i, d.get(i) + scale * rng.nextGaussian());
                } else {
                    org.bytedeco.javacpp.FloatPointer d = p.data_ptr_float();
                    for (long i = 0; i < p.numel(); i++) d.put(i, (float) (d.get(i) + scale * rng.nextGaussian()));
                }
            }
        }
    }

    /** Full-batch AdamW (no weight decay) on the exact loss of {@code set}; returns the final KL (nats). */
    static double train(MlmTransformer m, ContextSet set, int steps, double lr) {
        Optimizer opt = new Optimizer.AdamW(m.namedParameters(), 0.9, 0.999, 1e-12, 0.0);
        double entropy = 0;
        double[] w = set.weights();
        for (int c = 0; c < set.size(); c++) {
            for (double p : set.contexts().get(c).truth()) if (p > 0) entropy -= w[c] * p * Math.log(p);
        }
        double loss = Double.NaN;
        for (int t = 0; t < steps; t++) {
            try (PointerScope s = new PointerScope()) {
                m.zeroGrad();
                Tensor l = Params.loss(m, set.contexts(), w, Labels.EXACT);
                loss = l.item_double();
                l.backward();
                double rate = lr * (t < steps / 2 ? 1.0 : 0.5 * (1 + Math.cos(Math.PI * (t - steps / 2.0) / (steps / 2.0))));
                opt.step(rate);
            }
        }
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            loss = Params.loss(m, set.contexts(), w, Labels.EXACT).item_double();
        }
        return loss - entropy;
    }
}
