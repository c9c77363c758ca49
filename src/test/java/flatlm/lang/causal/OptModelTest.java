package flatlm.lang.causal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cached one-token-at-a-time OPT forward pass against the naive full-sequence implementation of {@link TinyOpt}. */
class OptModelTest {
    @TempDir Path tmp;

    private static void check(TinyOpt t, Path dir, int[] tokens) {
        OptModel m = OptModel.load(dir);
        double[][] want = t.logits(tokens);
        int[] all = new int[t.V];
        for (int v = 0; v < t.V; v++) all[v] = v;
        double[] headT = m.headRows(all);
        OptModel.State s = m.newState(tokens.length);
        double[] h = new double[t.d], logits = new double[t.V];
        double scale = 0;
        for (int i = 0; i < tokens.length; i++) {
            m.step(s, tokens[i], h);
            m.logits(h, headT, logits);
            for (int v = 0; v < t.V; v++) {
                assertEquals(want[i][v], logits[v], 1e-12 * Math.max(1, Math.abs(want[i][v])), "position " + i + " token " + v);
                scale = Math.max(scale, Math.abs(want[i][v]));
            }
        }
        assertTrue(scale > 0.5, "logits are not trivially small");
    }

    @Test
    void oneLayerPreLnTiedMatchesNaiveForward() throws Exception {
        TinyOpt t = new TinyOpt(7, 4, 2, 6, 1, 8, true, true, 11);
        check(t, t.write(tmp.resolve("g"), "model."), new int[] {0, 3, 5, 3, 6});
    }

    @Test
    void twoLayersWithoutModelPrefixAndUntiedHead() throws Exception {
        TinyOpt t = new TinyOpt(9, 6, 3, 5, 2, 10, true, false, 12);
        check(t, t.write(tmp.resolve("g"), ""), new int[] {0, 8, 1, 1, 4, 7, 2});
    }

    @Test
    void postLayerNorm() throws Exception {
        TinyOpt t = new TinyOpt(6, 4, 1, 3, 2, 6, false, true, 13);
        check(t, t.write(tmp.resolve("g"), "model."), new int[] {0, 5, 4, 3});
    }

    @Test
    void copiedPrefixContinuesLikeTheOriginal() throws Exception {
        TinyOpt t = new TinyOpt(7, 4, 2, 6, 2, 8, true, true, 14);
        OptModel m = OptModel.load(t.write(tmp.resolve("g"), ""));
        OptModel.State a = m.newState(6), b = m.newState(6);
        double[] h = new double[4], h2 = new double[4];
        for (int tok : new int[] {0, 2, 5}) m.step(a, tok, h);
        b.copyFrom(a);
        m.step(a, 6, h);
        m.step(b, 6, h2);
        for (int j = 0; j < 4; j++) assertEquals(h[j], h2[j], 0.0);
    }

    @Test
    void batchedContinuationsEqualOneSequenceAtATime() throws Exception {
        for (boolean pre : new boolean[] {true, false}) {
            TinyOpt t = new TinyOpt(9, 6, 3, 5, 2, 10, pre, false, 15);
            OptModel m = OptModel.load(t.write(tmp.resolve("g" + pre), ""));
            OptModel.State prefix = m.newState(8), one = m.newState(8);
            double[] h = new double[6];
            for (int tok : new int[] {0, 4, 7}) m.step(prefix, tok, h);
            OptBatch b = new OptBatch(m, 4, 5);
            b.start(prefix, 3);
            int[][] tokens = {{1, 5, 8, 0}, {2, 2, 2, 0}, {6, 3, 1, 0}};
            double[] hb = new double[4 * 6];
            int[] all = new int[9];
            for (int v = 0; v < 9; v++) all[v] = v;
            double[] headT = m.headRows(all), lb = new double[4 * 9], l1 = new double[9];
            double[][] hs = new double[3][6];
            OptModel.State[] seq = new OptModel.State[3];
            for (int r = 0; r < 3; r++) { seq[r] = m.newState(8); seq[r].copyFrom(prefix); }
            for (int[] step : tokens) {
                b.step(step, hb);
                b.logits(hb, headT, 9, lb);
                for (int r = 0; r < 3; r++) {
                    m.step(seq[r], step[r], hs[r]);
                    m.logits(hs[r], headT, l1);
                    for (int j = 0; j < 6; j++) assertEquals(hs[r][j], hb[r * 6 + j], 0.0, "row " + r);
                    for (int v = 0; v < 9; v++) assertEquals(l1[v], lb[r * 9 + v], 0.0);
                }
            }
        }
    }

    @Test
    void halfPrecisionDecodes() {
        assertEquals(1.0, HfTensors.half((short) 0x3c00), 0);
        assertEquals(-2.0, HfTensors.half((short) 0xc000), 0);
        assertEquals(65504.0, HfTensors.half((short) 0x7bff), 0);
        assertEquals(0x1p-24, HfTensors.half((short) 0x0001), 0);
        assertEquals(Double.POSITIVE_INFINITY, HfTensors.half((short) 0x7c00), 0);
    }
}
