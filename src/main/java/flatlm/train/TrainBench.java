package flatlm.train;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Training throughput of the real trainer (batch sampling, masking, forward, backward,
 * optimizer step; no evaluation): words per second, one run or {@code jobs} independent runs
 * side by side in one process (each on its own thread), as parallel sweeps would run.
 */
public final class TrainBench {
    private TrainBench() {}

    private static java.util.concurrent.atomic.AtomicLong cpuStart;

    /** CPU nanoseconds of this process so far. */
    private static long cpuTime() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * One measurement; {@code tokensPerSecond} sums over the parallel jobs. {@code tokensPerCpuSecond}
     * divides all jobs' tokens by the process's CPU time over the timed steps instead of the wall
     * time: on a shared machine it counts the time the run was on a core, not the time it waited
     * for one (as a PyTorch script's {@code time.process_time()}).
     */
    public record Result(String preset, long parameters, int batch, int length, int steps, int threads, int jobs,
                         double seconds, double tokensPerSecond, double stepsPerSecondPerJob, double tokensPerCpuSecond) {}

    /** Runs {@code jobs} copies of {@code cfg} (eval/checkpoints pushed past the end) and times them. */
    public static Result run(TrainConfig cfg, int warmupSteps, int jobs) throws Exception {
        cfg.evalEvery = Integer.MAX_VALUE;
        cfg.checkpointEvery = Integer.MAX_VALUE;
        cfg.data.evalSentences = 2;
        Path tmp = Files.createTempDirectory("flatlm-bench");
        try {
            cpuStart = new java.util.concurrent.atomic.AtomicLong(-1);
            ExecutorService pool = Executors.newFixedThreadPool(jobs);
            List<Future<double[]>> futures = new ArrayList<>();
            for (int j = 0; j < jobs; j++) {
                Path dir = tmp.resolve("job" + j);
                futures.add(pool.submit(() -> timeOne(cfg, dir, warmupSteps)));
            }
            double tokens = 0, seconds = 0, params = 0, all = 0;
            for (Future<double[]> f : futures) {
                double[] r = f.get();
                tokens += r[0] / r[1];
                seconds = Math.max(seconds, r[1]);
                params = r[2];
                all += r[0];
            }
            pool.shutdown();
            double perCpu = all / ((cpuTime() - cpuStart.get()) / 1e9);
            int length = cfg.language.build().maxLength();
            return new Result(cfg.model.preset, (long) params, cfg.batchSize, length, cfg.steps - warmupSteps,
                cfg.threads, jobs, seconds, tokens, (cfg.steps - warmupSteps) / seconds, perCpu);
        } finally {
            Checkpoint.deleteRecursively(tmp);
        }
    }

    /** {tokens after warm-up, seconds after warm-up, parameters}. */
    private static double[] timeOne(TrainConfig cfg, Path dir, int warmupSteps) throws IOException {
        Trainer t = Trainer.start(cfg, dir);
        long[] t0 = new long[2];
        long[] tokens = new long[1];
        int perStep = cfg.batchSize * t.language().maxLength();
        t.run(0, status -> {
            if (status.step() == warmupSteps) {
                t0[0] = System.nanoTime();
                cpuStart.compareAndSet(-1, cpuTime()); // the first job to finish its warm-up
            }
            if (status.step() > warmupSteps) tokens[0] += perStep;
        });
        double seconds = (System.nanoTime() - t0[0]) / 1e9;
        return new double[] {tokens[0], seconds, t.model().numParameters()};
    }
}
