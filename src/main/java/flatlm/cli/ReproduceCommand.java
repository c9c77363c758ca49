package flatlm.cli;

import flatlm.experiment.ExperimentPlan;
import flatlm.experiment.ReportFiles;
import flatlm.experiment.Reproduction;
import flatlm.util.BadInputException;
import flatlm.util.Io;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code flatlm reproduce}: the paper's experiments, end to end, into one report. */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Runs every experiment of a preset (past convergence, model size, algorithms, Dyck theory, the linear "
        + "regime): pre-training runs, then the exact loss, probe accuracy and Tr(H) of every checkpoint, then "
        + "report.md / report.html / results.csv / plots/ in --out.",
        "Finished runs are found by the hash of their config and reused: an interrupted reproduction resumes where it "
        + "stopped (a half-trained run continues from its last checkpoint). Independent runs go in parallel up to --jobs.",
        "Presets (experiments/*.yaml): tiny (every code path, ~1 min), quick (the reproduction on a 2-core laptop: a "
        + "24-state HMM with downstream headroom, 5 pre-training seeds, ~45 min), cpu (the same design on a random "
        + "PCFG, longer runs, ~4 hours), paper (the paper's sizes and steps, for GPUs: use --plan).",
        "Replication: --seeds 6,7,8,9,10 reruns a preset with other pre-training seeds, --language-seed 2 on another "
        + "draw of its language (same shape); give each its own --out.",
        "Example: flatlm reproduce --preset quick --out runs/quick"})
public final class ReproduceCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "quick", description = "tiny, quick, cpu, paper or lm (the causal-lm language), or a YAML file of the same "
        + "form as experiments/quick.yaml (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/reproduce-PRESET).")
    Path out;

    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "Pre-training seeds instead of the preset's "
        + "(e.g. 6,7,8,9,10: a replication with a disjoint set).")
    java.util.List<Long> seeds;

    @Option(names = "--language-seed", paramLabel = "N", description = "The seed of the language instead of the preset's: "
        + "another draw of a language of the same shape (HMM, random PCFG, random LM).")
    Long languageSeed;

    @picocli.CommandLine.Mixin
    ExecutorOptions exec = new ExecutorOptions();

    @Option(names = "--plan", description = "Print the runs (with their hashes and whether they are finished) and the jobs, "
        + "then stop.")
    boolean planOnly;

    @Option(names = "--quiet", description = "No progress lines (they still go to DIR/reproduce.log).")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        ExperimentPlan plan = Reproduction.load(preset).reseed(seeds, languageSeed);
        Path dir = out != null ? out : Path.of("runs", "reproduce-" + plan.name);
        Io.requireDirectoryOrAbsent(dir, "--out");
        Reproduction r = new Reproduction(plan, dir, quiet);
        if (planOnly) {
            System.out.print(r.describe());
            return 0;
        }
        Reproduction.Summary s;
        Path report;
        try {
            s = r.run(exec.executor(null), exec.how());
            report = ReportFiles.write(r, s.minutes());
        } catch (IOException e) {
            throw Io.naming(dir, e); // e.g. a full disk: at least the directory being written
        }
        System.out.printf("reproduction '%s': %d runs trained, %d reused, %d models measured in %.1f min%n", plan.name,
            s.trained(), s.reused(), s.rows().size(), s.minutes());
        System.out.println("report: " + report);
        if (!s.failures().isEmpty()) {
            s.failures().forEach((job, why) -> System.err.println("flatlm: error: " + job + ": " + why));
            return 3;
        }
        return 0;
    }
}
