package flatlm.cli;

import flatlm.exec.Executor;
import flatlm.exec.slurm.SlurmOptions;
import flatlm.util.BadInputException;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code --executor local|slurm}, {@code --jobs} and the Slurm flags, shared by {@code sweep} and {@code reproduce}. */
final class ExecutorOptions {
    @Option(names = "--executor", defaultValue = "local", paramLabel = "local|slurm", description = "local: a pool of --jobs "
        + "threads here (default); slurm: one Slurm job array per stage (sbatch), later stages after the earlier ones "
        + "(--dependency=afterok); the driver polls squeue and collects. A submitted sweep survives the driver: rerun the "
        + "same command to collect, and to resubmit only missing or failed runs.")
    String executor;

    @Option(names = "--jobs", defaultValue = "2", description = "local: jobs in parallel, one thread each (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--partition", description = "slurm: partition of every task.")
    String partition;

    @Option(names = "--time", description = "slurm: time limit per task (e.g. 00:30:00).")
    String time;

    @Option(names = "--cpus-per-task", description = "slurm: CPUs per task.")
    Integer cpusPerTask;

    @Option(names = "--mem", description = "slurm: memory per task (e.g. 4G).")
    String mem;

    @Option(names = "--gpus-per-task", description = "slurm: GPUs per task.")
    Integer gpusPerTask;

    @Option(names = "--array-parallelism", paramLabel = "P", description = "slurm: at most P tasks of one array at once (--array=0-N%%P).")
    Integer parallelism;

    @Option(names = "--sbatch", paramLabel = "LINE", description = "slurm: one more batch-script line, e.g. --sbatch=--qos=long "
        + "(repeatable; '#SBATCH ' is added).")
    List<String> extra = new ArrayList<>();

    @Option(names = "--poll", paramLabel = "SECONDS", description = "slurm: seconds between two looks at squeue (default 2).")
    Double poll;

    SlurmOptions slurm(SlurmOptions fromFile) {
        SlurmOptions o = new SlurmOptions();
        o.partition = partition;
        o.time = time;
        o.cpusPerTask = cpusPerTask;
        o.mem = mem;
        o.gpusPerTask = gpusPerTask;
        o.parallelism = parallelism;
        o.extra = new ArrayList<>(extra);
        if (poll != null) o.poll = poll;
        return (fromFile == null ? new SlurmOptions() : fromFile).overriddenBy(o).validate("flags");
    }

    /** The executor, and how it runs (for the log line). */
    Executor executor(SlurmOptions fromFile) {
        if (jobs < 1) throw new BadInputException("--jobs must be at least 1, got " + jobs);
        return switch (executor) {
            case "local" -> Executor.local(jobs);
            case "slurm" -> Executor.slurm(slurm(fromFile));
            default -> throw new BadInputException("--executor must be local or slurm, got '" + executor + "'");
        };
    }

    String how() {
        return executor.equals("slurm") ? "slurm executor" : jobs + " worker(s)";
    }
}
