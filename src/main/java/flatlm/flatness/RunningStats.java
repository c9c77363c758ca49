package flatlm.flatness;

/** Mean, variance and standard error of a stream of values (Welford's algorithm). */
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

    /** Unbiased sample variance. */
    public double variance() {
        return n < 2 ? Double.NaN : m2 / (n - 1);
    }

    /** Standard error of the mean; infinite below two values. */
    public double stderr() {
        return n < 2 ? Double.POSITIVE_INFINITY : Math.sqrt(variance() / n);
    }
}
