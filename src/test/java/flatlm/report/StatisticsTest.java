package flatlm.report;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatisticsTest {
    @Test
    void pearsonMatchesHandComputation() {
        // x̄ = 3, ȳ = 4; Sxy = 6, Sxx = 10, Syy = 6 → r = 6/√60
        double[] x = {1, 2, 3, 4, 5}, y = {2, 4, 5, 4, 5};
        assertEquals(6 / Math.sqrt(60), Statistics.pearson(x, y), 1e-12);
    }

    @Test
    void nanPairsAreDropped() {
        double[] x = {1, 2, Double.NaN, 3, 4, 5, 7}, y = {2, 4, 9, 5, 4, 5, Double.NaN};
        assertEquals(6 / Math.sqrt(60), Statistics.pearson(x, y), 1e-12);
        assertEquals(Statistics.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 5, 4, 5}), Statistics.spearman(x, y), 1e-12);
        Statistics.Fit f = Statistics.fit(x, y);
        assertEquals(5, f.n());
        assertEquals(0.6, f.slope(), 1e-12); // Sxy / Sxx
        assertTrue(Double.isNaN(Statistics.pearson(new double[] {1, Double.NaN}, new double[] {1, 2})));
    }

    @Test
    void spearmanOfMonotoneNonlinearIsOne() {
        double[] x = {1, 2, 3, 4, 5, 6}, y = new double[6];
        for (int i = 0; i < 6; i++) y[i] = Math.exp(x[i]);
        assertEquals(1.0, Statistics.spearman(x, y), 1e-12);
        assertTrue(Statistics.pearson(x, y) < 0.95);
    }

    @Test
    void perfectLine() {
        double[] x = {0, 1, 2, 5, 9}, y = new double[5];
        for (int i = 0; i < 5; i++) y[i] = 3 * x[i] - 2;
        Statistics.Fit f = Statistics.fit(x, y);
        assertEquals(3, f.slope(), 1e-12);
        assertEquals(-2, f.intercept(), 1e-12);
        assertEquals(1, f.r2(), 1e-12);
        assertEquals(5, f.n());
        assertEquals(13, f.predict(5), 1e-12);
    }

    @Test
    void partialCorrelationByHandAndAsResidualCorrelation() {
        double[] x = {1, 2, 3, 4, 5, 6}, y = {2, 1, 4, 3, 7, 5}, z = {1, 3, 2, 2, 5, 4};
        // by hand: Sxz = 10.5, Sxx = 17.5, Szz = 65/6 → r_xz = 10.5/√(17.5·65/6)
        double rxz = 10.5 / Math.sqrt(17.5 * 65.0 / 6);
        assertEquals(rxz, Statistics.pearson(x, z), 1e-12);
        double rxy = Statistics.pearson(x, y), ryz = Statistics.pearson(y, z);
        double expected = (rxy - rxz * ryz) / Math.sqrt((1 - rxz * rxz) * (1 - ryz * ryz));
        assertEquals(0.5283811831148685, expected, 1e-12); // numpy
        assertEquals(expected, Statistics.partialCorrelation(x, y, z), 1e-12);
        // the same as the correlation of the residuals of x ~ z and y ~ z
        Statistics.Fit fx = Statistics.fit(z, x), fy = Statistics.fit(z, y);
        double[] rx = new double[6], ry = new double[6];
        for (int i = 0; i < 6; i++) {
            rx[i] = x[i] - fx.predict(z[i]);
            ry[i] = y[i] - fy.predict(z[i]);
        }
        assertEquals(Statistics.pearson(rx, ry), Statistics.partialCorrelation(x, y, z), 1e-12);
    }

    private static double[][] noisyLine(int n, long seed) {
        Random rng = new Random(seed);
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextGaussian();
            y[i] = 0.5 * x[i] + rng.nextGaussian();
        }
        return new double[][] {x, y};
    }

    @Test
    void bootstrapContainsEstimateShrinksWithNAndIsDeterministic() {
        double[][] small = noisyLine(20, 1), large = noisyLine(400, 1);
        Statistics.Interval a = Statistics.bootstrap(small, c -> Statistics.pearson(c[0], c[1]));
        Statistics.Interval b = Statistics.bootstrap(large, c -> Statistics.pearson(c[0], c[1]));
        assertTrue(a.lo() <= a.estimate() && a.estimate() <= a.hi(), a.toString());
        assertTrue(b.lo() <= b.estimate() && b.estimate() <= b.hi(), b.toString());
        assertTrue(b.hi() - b.lo() < (a.hi() - a.lo()) / 2, a + " vs " + b);
        assertEquals(20, a.n());
        assertEquals(a, Statistics.bootstrap(small, c -> Statistics.pearson(c[0], c[1])));
        assertNotEquals(a, Statistics.bootstrap(small, c -> Statistics.pearson(c[0], c[1]), 2000, 7));
        assertTrue(b.excludes(0));
    }

    @Test
    void bootstrapSkipsNanStatisticsAndRows() {
        double[][] d = noisyLine(30, 3);
        d[0][5] = Double.NaN;
        Statistics.Interval i = Statistics.bootstrap(d, c -> Statistics.spearman(c[0], c[1]), 500, 1);
        assertEquals(29, i.n());
        assertTrue(Double.isFinite(i.lo()) && Double.isFinite(i.hi()));
        Statistics.Interval tiny = Statistics.bootstrap(new double[][] {{1, 2}, {1, 2}}, c -> Statistics.pearson(c[0], c[1]));
        assertTrue(Double.isNaN(tiny.estimate()) && Double.isNaN(tiny.lo()));
        assertTrue(Double.isNaN(Statistics.partialCorrelation(new double[] {1, 2, 3}, new double[] {1, 2, 4}, new double[] {3, 1, 2})));
    }
}
