package flatlm.flatness;

/** Called by an estimator after each sample (for progress bars); implementations must be cheap. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (samples, mean, stderr) -> { };

    void update(long samples, double mean, double stderr);
}
