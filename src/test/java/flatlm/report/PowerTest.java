package flatlm.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PowerTest {
    @Test
    void mddMatchesHandComputation() {
        // Δ = {1, 2, 4}: mean 7/3 = 2.3333; deviations −4/3, −1/3, 5/3; Σ dev² = (16 + 1 + 25)/9 = 42/9;
        // sd² = (42/9)/2 = 7/3, sd = 1.5275252; se = sd/√3 = √7/3 = 0.8819171; mdd = 2·se = 1.7638342
        Power.Estimate e = Power.paired(new double[] {1, 2, 4}, Double.NaN);
        assertEquals(3, e.n());
        assertTrue(e.seedSe());
        assertEquals(7.0 / 3, e.effect(), 1e-12);
        assertEquals(0.8819171, e.se(), 1e-7);
        assertEquals(1.7638342, e.mdd(), 1e-7);
        // 2.33 > 1.76: held against the paper's 1.6
        assertEquals(Power.Outcome.HELD, Power.verdict(e, 1.6, 1, "points").outcome());
    }

    @Test
    void oneSeedFallsBackToTheGivenProbeSeedError() {
        Power.Estimate e = Power.paired(new double[] {Double.NaN, 3}, 0.4);
        assertEquals(1, e.n());
        assertFalse(e.seedSe());
        assertEquals(3, e.effect());
        assertEquals(0.4, e.se());
        // √(s_a²/n_a + s_b²/n_b) with s = 0.5, n = 5 on both sides: √(0.05 + 0.05) = 0.31623
        assertEquals(Math.sqrt(0.1), Power.combined(Power.probeSe(0.5, 5), Power.probeSe(0.5, 5)), 1e-12);
        assertTrue(Double.isNaN(Power.probeSe(0.5, 1)));
        assertEquals(0, Power.paired(new double[] {Double.NaN}, 1).n());
    }

    @Test
    void sideWithoutSeedAddsItsStandardError() {
        // Δ = {10, 12, 14}: mean 12, sd 2, sd²/n = 4/3; se_lookup = 1 → se = √(4/3 + 1) = √(7/3) = 1.5275252
        Power.Estimate e = Power.againstFixed(new double[] {10, 12, 14}, 1.0, Double.NaN);
        assertEquals(12, e.effect(), 1e-12);
        assertEquals(1.5275252, e.se(), 1e-7);
    }

    @Test
    void verdictRule() {
        assertEquals("held", verdict(3, 1, 1.6).text());
        assertEquals(Power.Outcome.OPPOSITE, verdict(-3, 1, 1.6).outcome());
        assertEquals("did not hold (opposite direction)", verdict(-3, 1, 1.6).text());
        // not beyond 2 s.e.; mdd 4 > 1.6: the design could not have seen the paper's effect
        assertEquals(Power.Outcome.INCONCLUSIVE, verdict(1, 2, 1.6).outcome());
        assertEquals("inconclusive (detectable 4.0 points > paper's 1.6)", verdict(1, 2, 1.6).text());
        // mdd 0.6 ≤ 1.6 and the effect 0.2 is within it
        assertEquals(Power.Outcome.DID_NOT_HOLD, verdict(0.2, 0.3, 1.6).outcome());
        assertTrue(verdict(0.2, 0.3, 1.6).text().contains("detects 0.6 points"), verdict(0.2, 0.3, 1.6).text());
        // no paper number
        assertEquals("not detected (mdd 0.6 points)", verdict(0.2, 0.3, Double.NaN).text());
        assertEquals("held", verdict(1, 0.3, Double.NaN).text());
        assertEquals(Power.Outcome.UNTESTED, Power.verdict(Power.Estimate.NONE, 1.6, 1, "points").outcome());
        assertEquals(Power.Outcome.UNTESTED, verdict(1, Double.NaN, 1.6).outcome());
    }

    private static Power.Verdict verdict(double effect, double se, double paper) {
        return Power.verdict(new Power.Estimate(effect, se, 3, true), paper, 1, "points");
    }
}
