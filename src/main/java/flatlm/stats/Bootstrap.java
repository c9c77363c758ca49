package flatlm.stats;

import org.apache.commons.math3.stat.descriptive.rank.Percentile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The percentile bootstrap over clusters: rows that share a cluster (e.g. the checkpoints of one
 * run and pre-training seed) are not independent, so a resample draws k clusters with
 * replacement out of the k present and takes all rows of each; the statistic is computed on
 * their concatenation. With one row per cluster it is the ordinary row bootstrap (and draws the
 * same random numbers).
 */
public final class Bootstrap {
    private Bootstrap() {}

    /** The 2.5 and 97.5 percentiles of the resampled statistic, NaN when it cannot be computed. */
    public record Interval(double lo, double hi, int clusters) {}

    /**
     * {@code resamples} cluster resamples (seeded); resamples whose statistic is NaN are skipped and
     * the interval is NaN when fewer than half are usable or there are fewer than 2 clusters.
     */
    public static <T> Interval clustered(List<T> rows, Function<T, ?> cluster, ToDoubleFunction<List<T>> statistic,
                                         int resamples, long seed) {
        Map<Object, List<T>> groups = new LinkedHashMap<>();
        for (T r : rows) groups.computeIfAbsent(cluster.apply(r), k -> new ArrayList<>()).add(r);
        return resample(new ArrayList<>(groups.values()), statistic, resamples, seed);
    }

    /** The row bootstrap: every row its own cluster. */
    public static <T> Interval rows(List<T> rows, ToDoubleFunction<List<T>> statistic, int resamples, long seed) {
        List<List<T>> cs = new ArrayList<>(rows.size());
        for (T r : rows) cs.add(List.of(r));
        return resample(cs, statistic, resamples, seed);
    }

    private static <T> Interval resample(List<List<T>> cs, ToDoubleFunction<List<T>> statistic, int resamples, long seed) {
        int k = cs.size();
        if (k < 2) return new Interval(Double.NaN, Double.NaN, k);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] values = new double[resamples];
        int m = 0;
        List<T> sample = new ArrayList<>();
        for (int b = 0; b < resamples; b++) {
            sample.clear();
            for (int i = 0; i < k; i++) sample.addAll(cs.get(rng.nextInt(k)));
            double v = statistic.applyAsDouble(sample);
            if (!Double.isNaN(v)) values[m++] = v;
        }
        if (m < resamples / 2) return new Interval(Double.NaN, Double.NaN, k);
        double[] ok = Arrays.copyOf(values, m);
        Percentile p = new Percentile();
        return new Interval(p.evaluate(ok, 2.5), p.evaluate(ok, 97.5), k);
    }
}
