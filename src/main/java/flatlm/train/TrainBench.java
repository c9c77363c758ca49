package flatlm.train;

import java.io.IOException;
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

    /** One measurement; {@code tokensPerSecond} sums over the parallel jobs. */
    public record Result(String preset, long parameters, int batch, int length, int steps, int threads, int jobs,
                         double seconds, double tokensPerSecond, double stepsPerSecondPerJob) {}

    /** Runs {@code jobs} copies of {@code cfg} (eval/checkpoints pushed past the end) and times them. */
    public static Result run(TrainConfig cfg, int warmupSteps, int jobs) throws Exception {
        cfg.evalEvery = Integer.MAX_VALUE;
        cfg.checkpointEvery = Integer.MAX_VALUE;
        cfg.data.evalSentences = 2;
        Path tmp = Files.createTempDirectory("flatlm-bench");
        try {
            ExecutorService pool = Executors.newFixedThreadPool(jobs);
            List<Future<double[]>> futures = new ArrayList<>();
            for (int j = 0; j < jobs; j++) {
                Path dir = tmp.resolve("job" + j);
                futures.add(pool.submit(() -> timeOne(cfg, dir, warmupSteps)));
            }
            double tokens = 0, seconds = 0, params = 0;
            for (Future<double[]> f : futures) {
                double[] r = f.get();
                tokens += r[0] / r[1];
                seconds = Math.max(seconds, r[1]);
                params = r[2];
            }
            pool.shutdown();
            int length = cfg.language.build().maxLength();
            return new Result(cfg.model.preset, (long) params, cfg.batchSize, length, cfg.steps - warmupSteps,
                cfg.threads, jobs, seconds, tokens, (cfg.steps - warmupSteps) / seconds);
        } finally {
            Checkpoint.deleteRecursively(tmp);
        }
    }

    /** {tokens after warm-up, seconds after warm-up, parameters}. */
    private static double[] timeOne(TrainConfig cfg, Path dir, int warmupSteps) throws IOException {
        Trainer t = Trainer.start(cfg, dir);
        long[] t0 = new long[1];
        long[] tokens = new long[1];
        int perStep = cfg.batchSize * t.language().maxLength();
        t.run(0, status -> {
            if (status.step() == warmupSteps) t0[0] = System.nanoTime();
            if (status.step() > warmupSteps) tokens[0] += perStep;
        });
        double seconds = (System.nanoTime() - t0[0]) / 1e9;
        return new double[] {tokens[0], seconds, t.model().numParameters()};
    }
}
