package flatlm.flatness;

import flatlm.util.BadInputException;

/**
 * When an estimator stops: as soon as it has at least {@code minSamples} samples and its
 * relative standard error (stderr / |estimate|) is at most {@code relStderr}, or when it reaches
 * {@code maxSamples} samples or {@code maxSeconds} seconds, whichever comes first.
 * {@code relStderr = 0} disables the adaptive stop (a fixed number of samples).
 *
 * <p>A sample is one i.i.d. value averaged by the estimator (one per-sample gradient norm, one
 * Rademacher-signed batch, one Hutchinson probe). The minimum guards the adaptive rule against
 * stopping on a lucky early streak (stopping on the standard error biases the estimate by a
 * small fraction of a standard error once n is not tiny).
 */
public record Budget(double relStderr, long minSamples, long maxSamples, double maxSeconds) {
    public static final long DEFAULT_MIN = 20;
    public static final long DEFAULT_MAX = 1_000_000;
    /** The default relative standard error of a Tr(H) estimate (CLI, plans, {@link Flatness.Options#defaults}). */
    public static final double DEFAULT_REL_STDERR = 0.05;

    public Budget {
        if (!(relStderr >= 0)) throw new BadInputException("--rel-stderr must be >= 0, got " + relStderr);
        if (minSamples < 2) throw new BadInputException("minimum samples must be >= 2, got " + minSamples);
        if (maxSamples < minSamples) throw new BadInputException("--max-samples " + maxSamples + " is below the minimum " + minSamples);
        if (!(maxSeconds > 0)) throw new BadInputException("--max-seconds must be > 0, got " + maxSeconds);
    }

    /** Stop at {@code relStderr} (at least 20 samples), at most a million samples, no time limit. */
    public static Budget relStderr(double relStderr) {
        return new Budget(relStderr, DEFAULT_MIN, DEFAULT_MAX, Double.POSITIVE_INFINITY);
    }

    /** Exactly {@code n} samples. */
    public static Budget fixed(long n) {
        return new Budget(0, n, n, Double.POSITIVE_INFINITY);
    }

    public Budget withMaxSamples(long n) {
        return new Budget(relStderr, Math.min(minSamples, n), n, maxSeconds);
    }

    public Budget withMaxSeconds(double s) {
        return new Budget(relStderr, minSamples, maxSamples, s);
    }

    /** Why to stop after {@code n} samples, or null to go on. */
    public String stopReason(long n, double mean, double stderr, double seconds) {
        if (n >= minSamples && relStderr > 0 && stderr <= relStderr * Math.abs(mean)) return "rel-stderr";
        if (n >= maxSamples) return "max-samples";
        if (seconds >= maxSeconds && n >= 2) return "max-seconds";
        return null;
    }
}
