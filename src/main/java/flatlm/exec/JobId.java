package flatlm.exec;

import java.util.Objects;

/**
 * A job's identity: what it does ({@code kind}, e.g. "train", "measure", "dyck"; null for a
 * sweep, whose one job per run is the run) and what it does it to ({@code run}, a run id or a
 * label like "pruning/prune"; null for a job alone of its kind). Executors treat it as opaque;
 * its text form ("KIND RUN", "RUN" or "KIND") names it in markers, task files, submissions and logs.
 */
public record JobId(String kind, String run) {
    public JobId {
        if (kind == null && run == null) throw new IllegalArgumentException("a job id needs a kind or a run");
    }

    /** The job of {@code kind} on {@code run}. */
    public static JobId of(String kind, String run) {
        return new JobId(kind, run);
    }

    /** A run that is a job by itself (a sweep's). */
    public static JobId ofRun(String run) {
        return new JobId(null, run);
    }

    /** The one job of its kind. */
    public static JobId ofKind(String kind) {
        return new JobId(kind, null);
    }

    public boolean is(String k) {
        return Objects.equals(kind, k);
    }

    @Override
    public String toString() {
        return kind == null ? run : run == null ? kind : kind + " " + run;
    }
}
