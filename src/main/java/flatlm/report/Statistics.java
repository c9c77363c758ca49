package flatlm.report;

import flatlm.stats.Bootstrap;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.apache.commons.math3.stat.regression.SimpleRegression;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Correlations, least squares and a paired bootstrap for the report. Every function drops the
 * rows (pairs, triples) that contain a NaN and returns NaN when too few rows remain.
 */
public final class Statistics {
    /** Default number of bootstrap resamples. */
    public static final int RESAMPLES = 2000;
    /** Default bootstrap seed: the same data give the same interval. */
    public static final long SEED = 20230101L;

    private Statistics() {}

    /** Least-squares line y = intercept + slope·x with its R² over n points. */
    public record Fit(double slope, double intercept, double r2, int n) {
        public double predict(double x) {
            return intercept + slope * x;
        }
    }

    /** A point estimate with a percentile 95% bootstrap interval; lo/hi NaN when it cannot be computed. */
    public record Interval(double estimate, double lo, double hi, int n) {
        /** True when the interval lies entirely above or entirely below {@code value}. */
        public boolean excludes(double value) {
            return !Double.isNaN(lo) && !Double.isNaN(hi) && (lo > value || hi < value);
        }
    }

    /** Pearson's r over the complete pairs (NaN when fewer than 3 or a column is constant). */
    public static double pearson(double[] x, double[] y) {
        double[][] c = complete(x, y);
        if (c[0].length < 3 || constant(c[0]) || constant(c[1])) return Double.NaN;
        return new PearsonsCorrelation().correlation(c[0], c[1]);
    }

    /** Spearman's ρ (Pearson of the ranks, ties averaged) over the complete pairs. */
    public static double spearman(double[] x, double[] y) {
        double[][] c = complete(x, y);
        if (c[0].length < 3 || constant(c[0]) || constant(c[1])) return Double.NaN;
        return new SpearmansCorrelation().correlation(c[0], c[1]);
    }

    /** r_xy·z = (r_xy − r_xz r_yz) / √((1 − r_xz²)(1 − r_yz²)) over the complete triples (NaN below 4). */
    public static double partialCorrelation(double[] x, double[] y, double[] z) {
        double[][] c = complete(x, y, z);
        if (c[0].length < 4) return Double.NaN;
        double rxy = pearson(c[0], c[1]), rxz = pearson(c[0], c[2]), ryz = pearson(c[1], c[2]);
        double den = Math.sqrt((1 - rxz * rxz) * (1 - ryz * ryz));
        return den > 0 ? (rxy - rxz * ryz) / den : Double.NaN;
    }

    /** Least squares y ~ x over the complete pairs (NaNs in the fit when fewer than 2 points). */
    public static Fit fit(double[] x, double[] y) {
        double[][] c = complete(x, y);
        int n = c[0].length;
        if (n < 2 || constant(c[0])) return new Fit(Double.NaN, Double.NaN, Double.NaN, n);
        SimpleRegression reg = new SimpleRegression(true);
        for (int i = 0; i < n; i++) reg.addData(c[0][i], c[1][i]);
        return new Fit(reg.getSlope(), reg.getIntercept(), reg.getRSquare(), n);
    }

    /**
     * Paired bootstrap of any statistic of the rows: resample row indices with replacement
     * {@code resamples} times (fixed seed), skip resamples where the statistic is NaN, and return
     * the 2.5 and 97.5 percentiles (NaN when fewer than half of the resamples are usable).
     */
    public static <T> Interval bootstrap(List<T> rows, ToDoubleFunction<List<T>> statistic, int resamples, long seed) {
        double estimate = statistic.applyAsDouble(rows);
        int n = rows.size();
        if (n < 2 || Double.isNaN(estimate)) return new Interval(estimate, Double.NaN, Double.NaN, n);
        Bootstrap.Interval b = Bootstrap.rows(rows, statistic, resamples, seed);
        return new Interval(estimate, b.lo(), b.hi(), n);
    }

    /**
     * The cluster bootstrap ({@link Bootstrap#clustered}) of a statistic of the rows: rows with the
     * same {@code cluster} (e.g. the checkpoints of one run and seed) are resampled together.
     * n of the interval is the number of rows; {@link #clusters} counts the clusters.
     */
    public static <T> Interval clustered(List<T> rows, Function<T, ?> cluster, ToDoubleFunction<List<T>> statistic) {
        double estimate = statistic.applyAsDouble(rows);
        int n = rows.size();
        if (n < 2 || Double.isNaN(estimate)) return new Interval(estimate, Double.NaN, Double.NaN, n);
        Bootstrap.Interval b = Bootstrap.clustered(rows, cluster, statistic, RESAMPLES, SEED);
        return new Interval(estimate, b.lo(), b.hi(), n);
    }

    /** The number of distinct clusters among the rows. */
    public static <T> int clusters(List<T> rows, Function<T, ?> cluster) {
        return (int) rows.stream().map(cluster).distinct().count();
    }

    /**
     * Paired bootstrap over columns of equal length (rows with a NaN in any column are dropped
     * first, so n is the number of complete rows); {@code statistic} receives the resampled columns.
     */
    public static Interval bootstrap(double[][] columns, ToDoubleFunction<double[][]> statistic, int resamples, long seed) {
        double[][] c = complete(columns);
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < c[0].length; i++) {
            double[] row = new double[c.length];
            for (int k = 0; k < c.length; k++) row[k] = c[k][i];
            rows.add(row);
        }
        return bootstrap(rows, r -> statistic.applyAsDouble(columnsOf(r, c.length)), resamples, seed);
    }

    /** {@link #bootstrap(double[][], ToDoubleFunction, int, long)} with {@link #RESAMPLES} and {@link #SEED}. */
    public static Interval bootstrap(double[][] columns, ToDoubleFunction<double[][]> statistic) {
        return bootstrap(columns, statistic, RESAMPLES, SEED);
    }

    /** The columns restricted to the rows where every column is a number. */
    public static double[][] complete(double[]... columns) {
        int len = columns[0].length;
        for (double[] c : columns) if (c.length != len) throw new IllegalArgumentException("columns of different lengths");
        int n = 0;
        boolean[] keep = new boolean[len];
        for (int i = 0; i < len; i++) {
            keep[i] = true;
            for (double[] c : columns) keep[i] &= !Double.isNaN(c[i]) && !Double.isInfinite(c[i]);
            if (keep[i]) n++;
        }
        double[][] out = new double[columns.length][n];
        for (int k = 0; k < columns.length; k++) {
            for (int i = 0, j = 0; i < len; i++) if (keep[i]) out[k][j++] = columns[k][i];
        }
        return out;
    }

    private static double[][] columnsOf(List<double[]> rows, int k) {
        double[][] out = new double[k][rows.size()];
        for (int i = 0; i < rows.size(); i++) for (int j = 0; j < k; j++) out[j][i] = rows.get(i)[j];
        return out;
    }

    private static boolean constant(double[] v) {
        for (double d : v) if (d != v[0]) return false;
        return true;
    }
}
