package flatlm.stats;

/**
 * Mean and sample standard deviation of n values: the one definition every package uses
 * (probe seeds, pre-training seeds, Tr(H) samples through {@link RunningStats}).
 * <pre>
 *   mean = Σ x / n,   sd = √(Σ (x − mean)² / (n − 1)),   se = sd / √n
 * </pre>
 * sd and se are NaN for n &lt; 2 (one value says nothing about the spread); everything is NaN for n = 0.
 */
public record Summary(double mean, double std, int n) {
    public static final Summary EMPTY = new Summary(Double.NaN, Double.NaN, 0);

    /** Two passes over every value (a NaN value makes the mean NaN; drop them first with {@link #ofFinite}). */
    public static Summary of(double[] values) {
        int n = values.length;
        if (n == 0) return EMPTY;
        double mean = 0;
        for (double v : values) mean += v;
        mean /= n;
        if (n < 2) return new Summary(mean, Double.NaN, n);
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        return new Summary(mean, Math.sqrt(ss / (n - 1)), n);
    }

    /** {@link #of} over the finite values only. */
    public static Summary ofFinite(double[] values) {
        return of(java.util.Arrays.stream(values).filter(Double::isFinite).toArray());
    }

    /** Standard error of the mean, sd/√n (NaN for n &lt; 2). */
    public double se() {
        return n < 2 ? Double.NaN : std / Math.sqrt(n);
    }

    /** "0.7000 ± 0.2000"; "0.3000" when the s.d. is unknown (one value). */
    @Override
    public String toString() {
        return Double.isNaN(std) ? String.format(java.util.Locale.ROOT, "%.4f", mean)
            : String.format(java.util.Locale.ROOT, "%.4f ± %.4f", mean, std);
    }
}
