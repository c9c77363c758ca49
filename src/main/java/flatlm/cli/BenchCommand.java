package flatlm.cli;

import flatlm.train.TrainBench;
import flatlm.train.TrainConfig;
import flatlm.train.TrainProfile;
import flatlm.util.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code flatlm bench ...}: speed measurements recorded in BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Speed measurements (see BENCHMARKS.md).",
    subcommands = {BenchCommand.Train.class})
public final class BenchCommand {
    /** {@code flatlm bench train}. */
    @Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Training throughput (words/s) of the real trainer on fixed-length sentences of the default "
            + "HMM (200 words, length 16 unless --length), for each preset; --jobs N runs N independent trainings "
            + "side by side (one thread each by default) and reports their summed throughput.",
            "Example: flatlm bench train --presets small,base-cpu,base-cpu-4 --batch 128 --jobs 2"})
    public static final class Train implements Callable<Integer> {
        @Option(names = "--presets", split = ",", defaultValue = "small,base-cpu,base-cpu-4",
            description = "Model presets (default: ${DEFAULT-VALUE}).")
        List<String> presets;

        @Option(names = "--batch", defaultValue = "128", description = "Sentences per step (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--length", defaultValue = "16", description = "Sentence length (default: ${DEFAULT-VALUE}).")
        int length;

        @Option(names = "--steps", defaultValue = "100", description = "Timed steps (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--warmup", defaultValue = "10", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--threads", defaultValue = "1", description = "libtorch threads per run (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--jobs", defaultValue = "1", description = "Runs side by side (default: ${DEFAULT-VALUE}).")
        int jobs;

        @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw or sgd (default: ${DEFAULT-VALUE}).")
        String optimizer;

        @Option(names = "--algorithm", defaultValue = "standard",
            description = "standard or exact-target (default: ${DEFAULT-VALUE}).")
        String algorithm;

        @Option(names = "--profile", description = "Time each phase of a step (sampling, masking, exact targets, "
            + "forward, backward, optimizer) and count its native handles, instead of the throughput table.")
        boolean profile;

        @Override
        public Integer call() throws Exception {
            if (steps < 1 || warmup < 0 || jobs < 1 || batch < 1) throw new BadInputException("--steps, --jobs, --batch must be >= 1");
            if (!algorithm.equals("standard") && !algorithm.equals("exact-target"))
                throw new BadInputException("--algorithm: standard or exact-target, not '" + algorithm + "'");
            if (profile) {
                for (String preset : presets) printProfile(TrainProfile.run(config(preset), warmup, steps));
                return 0;
            }
            System.out.println("preset      params   batch length threads jobs  steps/s/job  words/s (all jobs)  words/CPU-s");
            for (String preset : presets) {
                TrainConfig cfg = config(preset);
                TrainBench.Result r = TrainBench.run(cfg, warmup, jobs);
                System.out.printf(Locale.ROOT, "%-10s %7d %7d %6d %7d %4d %12.1f %19.0f %12.0f%n", preset, r.parameters(),
                    r.batch(), r.length(), r.threads(), r.jobs(), r.stepsPerSecondPerJob(), r.tokensPerSecond(),
                    r.tokensPerCpuSecond());
            }
            return 0;
        }

        private TrainConfig config(String preset) {
            TrainConfig cfg = new TrainConfig();
            cfg.language.states = 100;
            cfg.language.words = 200;
            cfg.language.blocks = 10;
            cfg.language.length = length;
            cfg.language.alpha = 0.2;
            cfg.model.preset = preset;
            cfg.batchSize = batch;
            cfg.steps = warmup + steps;
            cfg.threads = threads;
            cfg.optimizer.name = optimizer;
            cfg.algorithm = algorithm;
            return cfg;
        }

        private void printProfile(TrainProfile.Result r) {
            double cpu = r.totalCpuMs();
            System.out.printf(Locale.ROOT, "%s (%d parameters), batch %d, length %d, %s loss, mean of %d steps: %.2f CPU ms/step "
                    + "(%.0f words/CPU-s), %.2f wall ms/step%n", r.preset(), r.parameters(), batch, length, algorithm, r.steps(),
                cpu, batch * length / (cpu / 1e3), r.totalMs());
            System.out.println("phase                    CPU ms/step   share   wall ms/step  native handles/step");
            r.phases().forEach((name, v) -> System.out.printf(Locale.ROOT, "%-26s %9.3f %6.1f%% %12.3f %12.0f%n",
                name, v[1], 100 * v[1] / cpu, v[0], v[2]));
        }
    }
}
