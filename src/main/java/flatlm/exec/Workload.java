package flatlm.exec;

import java.nio.file.Path;

/**
 * What an {@link Executor} runs: the jobs of a reproduction or a sweep, in an output directory
 * from which a task process can rebuild the same jobs ({@link Workloads}).
 */
public interface Workload {
    /** "reproduce" or "sweep": how a task process rebuilds this workload from {@link #out}. */
    String kind();

    Path out();

    Jobs jobs();

    /**
     * What job {@code id} computes (e.g. its run's hash and the measurement settings): a done
     * marker with this key means the job is finished, and a task refuses to run a job whose key
     * changed since it was submitted.
     */
    String key(JobId id);

    /** Whether what a done job wrote is still there (a deleted run directory makes its job not done). */
    default boolean resultsPresent(JobId id) {
        return true;
    }

    /** Progress lines ({@code reproduce.log} or {@code sweep.log}). */
    Log log();
}
