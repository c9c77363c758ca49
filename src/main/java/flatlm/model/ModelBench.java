package flatlm.model;

import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training-throughput benchmark: forward + backward + AdamW step of an {@link MlmTransformer}
 * (or an {@link MlmLstm} for the {@code lstm-*} presets)
 * on random single-mask batches of fixed-length sentences (fresh batch every step, built
 * inside the step's PointerScope, as the trainer does).
 *
 * <pre>
 *   java -cp ... flatlm.model.ModelBench PRESET BATCH LENGTH STEPS THREADS [VOCAB] [WARMUP]
 *   e.g. flatlm.model.ModelBench small 128 16 200 1
 * </pre>
 * Tokens/s counts the sentence words (BATCH × LENGTH per step; [CLS]/[SEP] not counted).
 */
public final class ModelBench {
    private ModelBench() {}

    /**
     * One measurement. {@code cpuSeconds} is the process CPU time over the timed steps (all
     * threads); {@code tokensPerCpuSecond} = tokens / cpuSeconds is a contention-robust figure
     * for 1-thread runs on a shared machine (with n threads it is per core, not per wall second).
     */
    public record Result(String preset, int batch, int length, int steps, int threads, long parameters,
                         double seconds, double tokensPerSecond, double stepsPerSecond,
                         double cpuSeconds, double tokensPerCpuSecond) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                "preset=%s params=%d batch=%d length=%d threads=%d steps=%d time=%.2fs  %.1f steps/s  %.0f tokens/s"
                    + "  (cpu %.2fs, %.0f tokens per cpu-second)",
                preset, parameters, batch, length, threads, steps, seconds, stepsPerSecond, tokensPerSecond,
                cpuSeconds, tokensPerCpuSecond);
        }
    }

    private static double processCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime() / 1e9;
        return Double.NaN;
    }

    public static void main(String[] args) {
        try {
            if (args.length < 5) {
                System.err.println("usage: ModelBench PRESET BATCH LENGTH STEPS THREADS [VOCAB=200] [WARMUP=10]");
                System.exit(2);
            }
            int vocab = args.length > 5 ? Integer.parseInt(args[5]) : 200;
            int warmup = args.length > 6 ? Integer.parseInt(args[6]) : 10;
            Result r = run(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]), Integer.parseInt(args[4]), vocab, warmup);
            System.out.println(r);
        } catch (BadInputException | NumberFormatException e) {
            System.err.println("flatlm: error: " + e.getMessage());
            System.exit(2);
        }
    }

    public static Result run(String preset, int batch, int length, int steps, int threads, int vocab, int warmup) {
        if (batch < 1 || length < 1 || steps < 1 || threads < 1 || vocab < 1 || warmup < 0)
            throw new BadInputException("batch, length, steps, threads, vocab must be >= 1");
        Torch.setThreads(threads);
        MlmModel model = preset.startsWith("lstm-")
            ? new MlmLstm(LstmConfig.preset(preset, vocab, length), 1)
            : new MlmTransformer(ModelConfig.preset(preset, vocab, length), 1);
        model.setTraining(true);
        AdamWOptions opts = new AdamWOptions(1e-3);
        AdamW opt = new AdamW(model.parameterVector(), opts);
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < warmup; i++) step(model, opt, rng, batch, length, vocab);
        double cpu0 = processCpuSeconds();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) step(model, opt, rng, batch, length, vocab);
        double sec = (System.nanoTime() - t0) / 1e9;
        double cpu = processCpuSeconds() - cpu0;
        double tokens = (double) steps * batch * length;
        return new Result(preset, batch, length, steps, threads, model.numParameters(), sec,
            tokens / sec, steps / sec, cpu, tokens / cpu);
    }

    private static double step(MlmModel model, AdamW opt, SplittableRandom rng, int batch, int length, int vocab) {
        int[][] sentences = new int[batch][length];
        int[] mask = new int[batch];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < length; i++) sentences[b][i] = rng.nextInt(vocab);
            mask[b] = rng.nextInt(length);
        }
        try (PointerScope s = new PointerScope()) {
            MlmBatch mb = MlmBatch.singleMask(sentences, mask);
            opt.zero_grad(true);
            Tensor loss = model.loss(mb);
            loss.backward();
            opt.step();
            return loss.item_double();
        }
    }
}
