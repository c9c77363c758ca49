package flatlm.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PowerTest {
    @Test
    void handExampleIsInconclusiveWhereThe2SeRuleSaidHeld() {
        // Δ = {1, 2, 4}: mean 7/3 = 2.33 ± √7/3 = 0.88, t = √7 = 2.65 with df 2, p = 1 − √7/3 = 0.118;
        // mde80 = 5.364·0.882 = 4.73 > the paper's 1.6. The old rule (2.33 > 2·0.88 = 1.76) said "held".
        Power.Estimate e = Power.paired(new double[] {1, 2, 4});
        assertEquals(3, e.n());
        assertEquals(2, e.df());
        assertEquals(7.0 / 3, e.effect(), 1e-12);
        assertEquals(1 - Math.sqrt(7) / 3, e.p(), 1e-9);
        assertEquals(4.73, e.mde80(), 0.005);
        Power.Verdict v = Power.verdict(e, 1.6, 1, "points");
        assertEquals(Power.Outcome.INCONCLUSIVE, v.outcome());
        assertEquals("inconclusive (mde80 4.7 points > paper's 1.6)", v.text());
    }

    @Test
    void oneSeedIsNotTested() {
        Power.Estimate e = Power.paired(new double[] {Double.NaN, 3});
        assertEquals(1, e.n());
        assertEquals("not tested (1 seed)", Power.verdict(e, 1.6, 1, "points").text());
        assertEquals("not tested (1 seed)", Power.verdict(Power.againstFixed(new double[] {3}, 1, 4), 1.6, 1, "points").text());
        assertEquals(Power.Outcome.UNTESTED, Power.verdict(Power.Estimate.NONE, 1.6, 1, "points").outcome());
        // descriptive means keep the one-seed error bar
        assertEquals(0.4, Power.meanSe(new double[] {Double.NaN, 3}, 0.4)[1]);
        assertTrue(Double.isNaN(Power.probeSe(0.5, 1)));
    }

    @Test
    void verdictRule() {
        // Δ = {7, 8, 9}: 8 ± 0.577, t 13.9, p 0.005: held; the mirror image: opposite
        assertEquals("held", verdict(7, 8, 9, 1.6).text());
        assertEquals(Power.Outcome.OPPOSITE, verdict(-7, -8, -9, 1.6).outcome());
        assertEquals("opposite", verdict(-7, -8, -9, 1.6).text());
        // Δ = {−10, 0, 13}: 1 ± 6.66, mde80 = 5.364·6.66 = 35.7 > 6.8: inconclusive
        assertEquals(Power.Outcome.INCONCLUSIVE, verdict(-10, 0, 13, 6.8).outcome());
        // Δ = {0.1, −0.1, 0}: 0 ± 0.058, mde80 0.31 ≤ 1.6: did not hold
        Power.Verdict no = verdict(0.1, -0.1, 0, 1.6);
        assertEquals(Power.Outcome.DID_NOT_HOLD, no.outcome());
        assertEquals("did not hold (mde80 0.3 points ≤ paper's 1.6)", no.text());
        // without a paper number
        assertEquals("not detected (mde80 0.3 points)", verdict(0.1, -0.1, 0, Double.NaN).text());
        assertEquals("held", verdict(7, 8, 9, Double.NaN).text());
        assertEquals("opposite", verdict(-7, -8, -9, Double.NaN).text());
        // every seed the same difference: se 0, t infinite, held
        assertEquals("held", verdict(2, 2, 2, 1.6).text());
    }

    private static Power.Verdict verdict(double a, double b, double c, double paper) {
        return Power.verdict(Power.paired(new double[] {a, b, c}), paper, 1, "points");
    }
}
