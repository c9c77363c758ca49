package flatlm.train;

import flatlm.model.MaskedLoss;
import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one training step's time goes: the trainer's step (standard or exact-target loss, no
 * evaluation) split into phases timed with {@link System#nanoTime}, averaged over the timed steps,
 * with the native handles each phase allocates in the step's scope (one per native call that
 * returns a tensor or takes a scalar; the optimizer's and clipping's own inner scopes are not seen).
 */
public final class TrainProfile {
    private TrainProfile() {}

    /** The phases in step order. */
    public static final String[] PHASES = {"batch sampling", "masking (batch tensors)", "exact targets", "zero grad",
        "forward + loss", "backward", "optimizer", "free step handles"};

    /**
     * Per phase: {mean wall ms, mean CPU ms of the training thread, native handles} per step. With one
     * libtorch thread the step runs on the calling thread, so on a shared machine the CPU time counts
     * the time the step was on a core.
     */
    public record Result(String preset, long parameters, int steps, Map<String, double[]> phases) {
        public double totalMs() {
            return phases.values().stream().mapToDouble(v -> v[0]).sum();
        }

        public double totalCpuMs() {
            return phases.values().stream().mapToDouble(v -> v[1]).sum();
        }
    }

    /** A scope that counts the handles attached to it. */
    private static final class CountingScope extends PointerScope {
        long attached;

        @Override
        public PointerScope attach(Pointer p) {
            attached++;
            return super.attach(p);
        }
    }

    /** Profiles {@code steps} steps of {@code cfg} after {@code warmup} untimed ones. */
    public static Result run(TrainConfig cfg, int warmup, int steps) throws IOException {
        cfg.evalEvery = Integer.MAX_VALUE;
        cfg.checkpointEvery = Integer.MAX_VALUE;
        cfg.data.evalSentences = 2;
        cfg.steps = warmup + steps;
        boolean exact = switch (cfg.algorithm) {
            case "standard" -> false;
            case "exact-target" -> true;
            default -> throw new IllegalArgumentException("profile: standard or exact-target, not " + cfg.algorithm);
        };
        Path dir = Files.createTempDirectory("flatlm-profile");
        try {
            Trainer t = Trainer.start(cfg, dir);
            MlmModel model = t.model();
            MaskedLoss loss = exact ? Algorithm.EXACT_MEAN : MaskedLoss.of(MaskedLoss.Labels.DATA, MaskedLoss.Weighting.MEAN);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            double[] ns = new double[PHASES.length];
            double[] cpuNs = new double[PHASES.length];
            double[] handles = new double[PHASES.length];
            for (int step = 0; step < warmup + steps; step++) {
                long[] time = new long[PHASES.length + 1];
                long[] count = new long[PHASES.length + 1];
                long[] cpu = new long[PHASES.length + 1];
                CountingScope scope = new CountingScope();
                cpu[0] = mx.getCurrentThreadCpuTime();
                time[0] = System.nanoTime();
                int[][] sentences = t.source().sentences(step, cfg.batchSize);
                mark(time, cpu, mx, count, 1, scope);
                MlmBatch batch = t.masking().batch(sentences, BatchSource.rngFor(cfg.seed, step, RngStreams.MASKING));
                mark(time, cpu, mx, count, 2, scope);
                double[][] truth = exact ? Algorithm.exactTargets(new Algorithm.Step(sentences, batch, step), t.language()) : null;
                mark(time, cpu, mx, count, 3, scope);
                model.setTraining(true);
                model.zeroGrad();
                mark(time, cpu, mx, count, 4, scope);
                Tensor l = loss.loss(model, batch, truth, null);
                double value = l.item_double();
                mark(time, cpu, mx, count, 5, scope);
                l.backward();
                mark(time, cpu, mx, count, 6, scope);
                t.optimizer().step(t.schedule().at(step));
                mark(time, cpu, mx, count, 7, scope);
                scope.close();
                mark(time, cpu, mx, count, 8, scope);
                if (!Double.isFinite(value)) throw new IllegalStateException("profile: the loss diverged at step " + step);
                if (step < warmup) continue;
                for (int p = 0; p < PHASES.length; p++) {
                    ns[p] += time[p + 1] - time[p];
                    cpuNs[p] += cpu[p + 1] - cpu[p];
                    handles[p] += count[p + 1] - count[p];
                }
            }
            Map<String, double[]> phases = new LinkedHashMap<>();
            for (int p = 0; p < PHASES.length; p++) phases.put(PHASES[p], new double[] {ns[p] / steps / 1e6, cpuNs[p] / steps / 1e6, handles[p] / steps});
            return new Result(cfg.model.preset, model.numParameters(), steps, phases);
        } finally {
            Checkpoint.deleteRecursively(dir);
        }
    }

    private static void mark(long[] time, long[] cpu, ThreadMXBean mx, long[] count, int i, CountingScope scope) {
        time[i] = System.nanoTime();
        cpu[i] = mx.getCurrentThreadCpuTime();
        count[i] = scope.attached;
    }
}
