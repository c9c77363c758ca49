package flatlm.stats;

/**
 * Mean, variance and standard error of a stream of values (Welford's algorithm): the streaming
 * form of {@link Summary} (same definitions, sd NaN below two values).
 */
public final class RunningStats {
    private long n;
    private double mean;
    private double m2;

    public void add(double x) {
        n++;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }

    public long count() {
        return n;
    }

    public double mean() {
        return n == 0 ? Double.NaN : mean;
    }

    /** Unbiased sample variance, Σ (x − mean)² / (n − 1); NaN below two values. */
    public double variance() {
        return n < 2 ? Double.NaN : m2 / (n - 1);
    }

    /**
     * Standard error of the mean, √(variance/n); infinite (not NaN) below two values, so an
     * adaptive sampler never mistakes "unknown" for "precise enough".
     */
    public double stderr() {
        return n < 2 ? Double.POSITIVE_INFINITY : Math.sqrt(variance() / n);
    }

    /** The values so far as a {@link Summary}. */
    public Summary summary() {
        return n == 0 ? Summary.EMPTY : new Summary(mean, Math.sqrt(variance()), (int) Math.min(n, Integer.MAX_VALUE));
    }
}
