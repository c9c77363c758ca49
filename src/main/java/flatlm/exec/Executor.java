package flatlm.exec;

import flatlm.exec.slurm.SlurmExecutor;
import flatlm.exec.slurm.SlurmOptions;
import flatlm.exec.slurm.Slurm;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Runs the jobs of a {@link Workload} in dependency order, the same for {@code reproduce} and
 * {@code sweep}: {@link #local} on a pool of threads of this process, {@link #slurm} as one
 * Slurm job array per stage. Either way every job leaves a marker ({@link JobMarkers}) saying it
 * is done or why it failed, so a later run (or {@code sweep --status}) knows.
 */
public interface Executor {
    /**
     * What happened: failures (job → reason, "skipped: ..." for jobs that never ran because a
     * job they wait on failed), the jobs that ran now, and those found done before (not rerun).
     */
    record Result(Map<JobId, String> failures, List<JobId> ran, List<JobId> alreadyDone) {}

    Result run(Workload workload) throws IOException, InterruptedException;

    /** The in-process pool of dependency-ordered jobs ({@code --jobs N}). */
    static Executor local(int workers) {
        return new LocalExecutor(workers);
    }

    /** One Slurm job array per stage (sbatch/squeue); a one-line error where there is no cluster or it refuses the options. */
    static Executor slurm(SlurmOptions options) {
        Slurm.require();
        Slurm.testOptions(options.sbatchLines());
        return new SlurmExecutor(options);
    }
}
