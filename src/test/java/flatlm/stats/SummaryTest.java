package flatlm.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {
    @Test
    void meanSdAndSeWithNaNBelowTwoValues() {
        Summary s = Summary.of(new double[] {0.5, 0.7, 0.9});
        assertEquals(0.7, s.mean(), 1e-12);
        assertEquals(0.2, s.std(), 1e-12);
        assertEquals(0.2 / Math.sqrt(3), s.se(), 1e-12);
        Summary one = Summary.of(new double[] {0.3});
        assertEquals(0.3, one.mean());
        assertTrue(Double.isNaN(one.std()) && Double.isNaN(one.se()));
        assertEquals("0.3000", one.toString()); // no "± NaN"
        assertEquals("0.7000 ± 0.2000", s.toString());
        assertEquals(0, Summary.of(new double[0]).n());
        assertTrue(Double.isNaN(Summary.of(new double[0]).mean()));
        assertEquals(2, Summary.ofFinite(new double[] {1, Double.NaN, 3}).n());
    }

    @Test
    void runningStatsIsTheSameSummaryStreamed() {
        double[] v = {3, 1, 4, 1, 5, 9, 2, 6};
        RunningStats r = new RunningStats();
        for (double x : v) r.add(x);
        Summary a = Summary.of(v), b = r.summary();
        assertEquals(a.mean(), b.mean(), 1e-12);
        assertEquals(a.std(), b.std(), 1e-12);
        assertEquals(a.se(), r.stderr(), 1e-12);
        RunningStats one = new RunningStats();
        one.add(2);
        assertTrue(Double.isNaN(one.summary().std()));
        assertEquals(Double.POSITIVE_INFINITY, one.stderr()); // the sampler's "not yet known"
    }
}
