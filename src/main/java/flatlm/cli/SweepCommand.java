package flatlm.cli;

import flatlm.sweep.Sweep;
import flatlm.sweep.SweepPlan;
import flatlm.sweep.SweepResolver;
import flatlm.util.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code flatlm sweep}: a grid and/or list of pretrain configs, each run trained and measured, into sweep.csv. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Trains one run per point of a sweep file (a base preset or pretrain config; a grid and/or list of "
        + "overrides of any config key, e.g. optimizer.lr: [1.0e-3, 3.0e-3], model.d: [32, 64], seed: [1, 2, 3]; optional "
        + "continuations from each run's last checkpoint) and measures each (exact loss, probes, Tr(H)). Writes "
        + "sweep.csv (one row per run and checkpoint), report.md and plots/ (each metric against each swept key) in --out.",
        "Runs are identified and reused as in reproduce: runs/STAGE-LABEL-sSEED-HASH, done.json, resume; rerunning "
        + "redoes nothing finished. --executor slurm submits one job array per stage; --status DIR says where each run is.",
        "Example: flatlm sweep experiments/sweeps/tiny-lr-seed.yaml --out runs/sweep-tiny [--executor slurm]"})
public final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SWEEP.yaml|DIR", description = "The sweep file (with --status: or its output directory).")
    Path target;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/sweep-NAME).")
    Path out;

    @Mixin
    ExecutorOptions exec = new ExecutorOptions();

    @Option(names = "--plan", description = "Print the runs with their hashes, directories and states, then stop.")
    boolean planOnly;

    @Option(names = "--status", description = "Print where every run stands (done, pending, running, failed with its log, "
        + "not run), then stop; asks squeue about submitted tasks.")
    boolean status;

    @Option(names = "--quiet", description = "No progress lines (they still go to DIR/sweep.log).")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (status && Files.isDirectory(target)) {
            System.out.print(Sweep.open(target, true).status());
            return 0;
        }
        if (Files.isDirectory(target))
            throw new BadInputException(target + " is a directory, not a sweep file (sweep --status " + target + " shows a sweep's state)");
        if (!Files.isRegularFile(target)) throw new BadInputException(target + ": no such sweep file");
        SweepPlan plan = SweepResolver.load(target);
        Path dir = out != null ? out : Path.of("runs", "sweep-" + plan.name);
        Sweep sweep = Sweep.load(plan, dir, quiet || planOnly || status);
        if (status) {
            if (!Files.isRegularFile(dir.resolve(Sweep.PLAN_FILE))) throw new BadInputException(dir + ": not a sweep directory (never run)");
            System.out.print(Sweep.open(dir, true).status());
            return 0;
        }
        if (planOnly) {
            System.out.print(sweep.describe());
            return 0;
        }
        Sweep.Summary s = sweep.run(exec.executor(sweep.plan().slurm), exec.how());
        String command = "./flatlm sweep " + target + " --out " + dir + (exec.executor.equals("slurm") ? " --executor slurm" : "");
        Path csv = sweep.writeFiles(s, command);
        System.out.printf("sweep '%s': %d runs run, %d found done, %d checkpoints measured in %.1f min%n", sweep.plan().name, s.ran(),
            s.reused(), s.rows().size(), s.minutes());
        System.out.println("results: " + csv);
        if (!s.failures().isEmpty()) {
            s.failures().forEach((job, why) -> System.err.println("flatlm: error: " + job + ": " + why));
            return 3;
        }
        return 0;
    }
}
