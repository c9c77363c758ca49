package flatlm.stats;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Student's t test of a mean difference and the minimum detectable effect of the design.
 *
 * <p>Paired (one difference Δ_s per pre-training seed s, n seeds):
 * <pre>
 *   mean = Σ Δ_s / n,   se = sd(Δ) / √n,   df = n − 1,   t = mean / se,
 *   p = 2·(1 − F_df(|t|))                                    (two-sided),
 *   mde80 = (t_{1 − α/2, df} + t_{power, df})·se,  α = 0.05, power = 0.80
 * </pre>
 * mde80 is the true effect that a two-sided test at α = 0.05 detects with probability 0.80
 * (5.36·se for n = 3, 3.72 for n = 5, 3.14 for n = 10, 2.80 as n → ∞); it is not the
 * decision threshold (t_{0.975,df}·se), which a true effect of that size crosses only half the time.
 *
 * <p>Against a side without pre-training seeds (the lookup table: one value f with standard
 * error se_f from n_f probe seeds), Δ_s = x_s − f and
 * <pre>
 *   se² = a + b,  a = sd(Δ)²/n,  b = se_f²,
 *   df = (a + b)² / (a²/(n − 1) + b²/(n_f − 1))              (Welch–Satterthwaite)
 * </pre>
 * Welch–Satterthwaite because the two variance estimates have their own degrees of freedom;
 * with b = 0 it is n − 1, and it never falls below min(n − 1, n_f − 1).
 */
public final class TTest {
    /** Two-sided level of every test. */
    public static final double ALPHA = 0.05;
    /** Power at which the minimum detectable effect is stated. */
    public static final double POWER = 0.80;

    private TTest() {}

    /**
     * One test: {@code mean} ± {@code se} from {@code n} seeds with {@code df} degrees of freedom,
     * its t statistic, two-sided p and mde80 (NaN where undefined: n &lt; 2, se unknown).
     */
    public record Result(double mean, double se, int n, double df, double t, double p, double mde80) {
        public static final Result NONE = new Result(Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        /** True when the two-sided test rejects a zero mean at {@link #ALPHA}. */
        public boolean rejects() {
            return p < ALPHA;
        }
    }

    /** The p quantile of Student's t with {@code df} degrees of freedom (df &gt; 0, not necessarily whole). */
    public static double quantile(double p, double df) {
        return dist(df).inverseCumulativeProbability(p);
    }

    /** Two-sided p of a t statistic: 2·(1 − F_df(|t|)). */
    public static double twoSidedP(double t, double df) {
        if (!Double.isFinite(df) || df <= 0 || Double.isNaN(t)) return Double.NaN;
        if (Double.isInfinite(t)) return 0;
        return 2 * dist(df).cumulativeProbability(-Math.abs(t));
    }

    /** (t_{1 − α/2, df} + t_{power, df})·se at α = 0.05, power 0.80. */
    public static double mde80(double se, double df) {
        if (!Double.isFinite(df) || df <= 0) return Double.NaN;
        return (quantile(1 - ALPHA / 2, df) + quantile(POWER, df)) * se;
    }

    /** The test of {@code mean} ± {@code se} with {@code df} degrees of freedom. */
    public static Result of(double mean, double se, int n, double df) {
        if (n < 2 || !Double.isFinite(se) || !Double.isFinite(df) || df <= 0) {
            return new Result(mean, se, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double t = se > 0 ? mean / se : mean == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, mean);
        return new Result(mean, se, n, df, t, twoSidedP(t, df), mde80(se, df));
    }

    /** Paired t test of the differences (NaN and infinite values dropped): df = n − 1. */
    public static Result paired(double[] deltas) {
        Summary s = Summary.ofFinite(deltas);
        if (s.n() == 0) return Result.NONE;
        return of(s.mean(), s.se(), s.n(), s.n() - 1);
    }

    /**
     * Δ_s = x_s − f against a seedless side f with standard error {@code fixedSe} from
     * {@code fixedN} probe seeds (Welch–Satterthwaite df; the class comment). An unknown fixedSe counts as 0.
     */
    public static Result againstFixed(double[] deltas, double fixedSe, int fixedN) {
        Summary s = Summary.ofFinite(deltas);
        if (s.n() == 0) return Result.NONE;
        if (s.n() < 2) return of(s.mean(), Double.NaN, s.n(), Double.NaN);
        double a = s.se() * s.se(), b = Double.isFinite(fixedSe) && fixedN >= 2 ? fixedSe * fixedSe : 0;
        double df = b == 0 ? s.n() - 1 : (a + b) * (a + b) / (a * a / (s.n() - 1) + b * b / (fixedN - 1));
        return of(s.mean(), Math.sqrt(a + b), s.n(), df);
    }

    private static TDistribution dist(double df) {
        return new TDistribution(null, df, TDistribution.DEFAULT_INVERSE_ABSOLUTE_ACCURACY);
    }
}
