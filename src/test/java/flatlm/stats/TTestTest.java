package flatlm.stats;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TTestTest {
    /** Student t quantiles, df 1..9, from a printed table (e.g. any statistics textbook's appendix). */
    static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262};
    static final double[] T80 = {1.376, 1.061, 0.978, 0.941, 0.920, 0.906, 0.896, 0.889, 0.883};

    @Test
    void quantilesMatchThePrintedTable() {
        for (int df = 1; df <= 9; df++) {
            assertEquals(T975[df - 1], TTest.quantile(0.975, df), 5e-4, "t_0.975, df " + df);
            assertEquals(T80[df - 1], TTest.quantile(0.80, df), 5e-4, "t_0.80, df " + df);
        }
        assertEquals(1.960, TTest.quantile(0.975, 1e7), 1e-3); // the normal limit
    }

    @Test
    void pairedTestOnAHandExample() {
        // Δ = {1, 2, 4}: mean 7/3; sd² = ((4/3)² + (1/3)² + (5/3)²)/2 = 7/3; se = √(7/3)/√3 = √7/3 = 0.8819171;
        // t = (7/3)/(√7/3) = √7 = 2.6457513, df 2. For df 2, F(t) = 1/2 + t/(2√(2 + t²)), so
        // p = 2·(1/2 − √7/(2·3)) = 1 − √7/3 = 0.1180829.
        TTest.Result r = TTest.paired(new double[] {1, 2, Double.NaN, 4});
        assertEquals(3, r.n());
        assertEquals(7.0 / 3, r.mean(), 1e-12);
        assertEquals(Math.sqrt(7) / 3, r.se(), 1e-12);
        assertEquals(2, r.df());
        assertEquals(Math.sqrt(7), r.t(), 1e-12);
        assertEquals(1 - Math.sqrt(7) / 3, r.p(), 1e-9);
        assertTrue(!r.rejects());
        // mde80 = (4.303 + 1.061)·se = 5.364·0.8819 = 4.730
        assertEquals(5.364 * Math.sqrt(7) / 3, r.mde80(), 2e-3);
        // one seed: no test
        TTest.Result one = TTest.paired(new double[] {3});
        assertEquals(1, one.n());
        assertTrue(Double.isNaN(one.p()) && Double.isNaN(one.mde80()) && Double.isNaN(one.se()));
        assertEquals(0, TTest.paired(new double[] {Double.NaN}).n());
    }

    @Test
    void mdeAt80PercentPowerFor3_5_10Seeds() {
        assertEquals(5.36, TTest.mde80(1, 2), 0.005);
        assertEquals(3.72, TTest.mde80(1, 4), 0.005);
        assertEquals(3.14, TTest.mde80(1, 9), 0.01);
        assertEquals(2.80, TTest.mde80(1, 1e7), 0.005);
        // check of the definition: a true effect of mde80 is detected 80 % of the time (noncentral t, by simulation)
        SplittableRandom rng = new SplittableRandom(7);
        int n = 5, hits = 0, draws = 4000;
        double sigma = 1, effect = TTest.mde80(sigma / Math.sqrt(n), n - 1);
        for (int i = 0; i < draws; i++) {
            double[] d = new double[n];
            for (int j = 0; j < n; j++) d[j] = effect + sigma * rng.nextGaussian();
            if (TTest.paired(d).rejects()) hits++;
        }
        // the sample s.e. varies, so power is near (not exactly) 0.80: 3 binomial s.e. = 0.019
        assertEquals(0.80, hits / (double) draws, 0.03);
    }

    @Test
    void seedlessSideUsesWelchSatterthwaite() {
        // Δ = {10, 12, 14}: a = sd²/n = 4/3; se_f = 1 from 4 probe seeds: b = 1; se = √(7/3);
        // df = (a + b)²/(a²/2 + b²/3) = (49/9)/(8/9 + 3/9) = 49/11
        TTest.Result r = TTest.againstFixed(new double[] {10, 12, 14}, 1.0, 4);
        assertEquals(12, r.mean(), 1e-12);
        assertEquals(Math.sqrt(7.0 / 3), r.se(), 1e-12);
        assertEquals(49.0 / 11, r.df(), 1e-12);
        // an unknown side error: the paired test
        assertEquals(2, TTest.againstFixed(new double[] {10, 12, 14}, Double.NaN, 4).df());
    }

    @Test
    void underANullEffectTheNewRuleHoldsAtMostFivePercentAndTheOld2SeRuleDoesNot() {
        // n = 3 seeds, Δ_s ~ N(0, 1), 4000 seeded draws. "held" = the test rejects in the paper's direction.
        SplittableRandom rng = new SplittableRandom(2026);
        int draws = 4000, heldNew = 0, rejectNew = 0, heldOld = 0;
        for (int i = 0; i < draws; i++) {
            double[] d = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
            TTest.Result r = TTest.paired(d);
            if (r.rejects()) rejectNew++;
            if (r.rejects() && r.mean() > 0) heldNew++;
            if (r.mean() > 2 * r.se()) heldOld++; // the old rule: effect > 2 s.e.
        }
        double tol = 0.01; // ≈ 3 binomial s.e. at 5 % over 4000 draws
        assertTrue(heldNew / (double) draws <= 0.05 + tol, "new rule held " + heldNew);
        assertEquals(0.05, rejectNew / (double) draws, tol, "two-sided size");
        assertEquals(0.025, heldNew / (double) draws, tol, "one direction: half the size");
        // the old rule: P(t_2 > 2) = 1/2 − 2/(2√6) = 0.092, well above 5 %
        assertTrue(heldOld / (double) draws > 0.05 + tol, "old rule held " + heldOld);
        assertEquals(0.5 - 1 / Math.sqrt(6), heldOld / (double) draws, tol);
    }
}
