package flatlm.model;

import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruningTest {
    private static final int WORDS = 6;
    private static final int LENGTH = 5;

    /** d=8, 2 heads, 2 layers, MLP 12, float32: 12 prunable matrices of 4·64 + 2·96 = 448 entries per block. */
    private static MlmTransformer transformer(long seed) {
        return new MlmTransformer(new ModelConfig(WORDS, LENGTH, 8, 2, 2, 12, true, 0.0, ModelConfig.DType.FLOAT32), seed);
    }

    private static MlmLstm lstm(long seed) {
        return new MlmLstm(new LstmConfig(WORDS, LENGTH, 6, 5, 2, 0.0, ModelConfig.DType.FLOAT64), seed);
    }

    /** Raw bits of every parameter (float32 converts to double injectively, so bit equality is preserved). */
    private static LinkedHashMap<String, long[]> bits(MlmModel m) {
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            double[] v = Torch.toDoubles(e.getValue());
            long[] b = new long[v.length];
            for (int i = 0; i < v.length; i++) b[i] = Double.doubleToRawLongBits(v[i]);
            out.put(e.getKey(), b);
        }
        return out;
    }

    /** Log-probabilities at one masked position of each of a few fixed sentences. */
    private static double[] logProbs(MlmModel m) {
        SplittableRandom rng = new SplittableRandom(5);
        int batch = 8;
        int tokens = LENGTH + 2;
        long[] ids = new long[batch * tokens];
        long[] mask = new long[batch];
        for (int b = 0; b < batch; b++) {
            ids[b * tokens] = Tokens.CLS;
            for (int i = 0; i < LENGTH; i++) ids[b * tokens + 1 + i] = Tokens.wordToken(rng.nextInt(WORDS));
            ids[b * tokens + tokens - 1] = Tokens.SEP;
            int pos = rng.nextInt(LENGTH);
            ids[b * tokens + Tokens.tokenPosition(pos)] = Tokens.MASK;
            mask[b] = Tokens.tokenPosition(pos);
        }
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return Torch.toDoubles(m.maskedLogProbs(Torch.longTensor(ids, batch, tokens), Torch.longTensor(mask, batch)));
        }
    }

    /**
     * Checks a pruning against the parameters before it: exactly {@code expected} zeros (none before),
     * pruned entries had |w| ≤ threshold, kept ones ≥ threshold and are bit-identical, every other
     * parameter bit-identical.
     */
    private static void checkPruned(MlmModel m, LinkedHashMap<String, long[]> before, Pruning.Result r, long expected) {
        LinkedHashMap<String, long[]> after = bits(m);
        long total = 0;
        long zeros = 0;
        List<String> prunable = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            String name = e.getKey();
            long[] a = after.get(name);
            long[] b = before.get(name);
            if (!Pruning.isPrunable(name, e.getValue())) {
                for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], name + "[" + i + "] must be unchanged");
                continue;
            }
            prunable.add(name);
            total += a.length;
            for (int i = 0; i < a.length; i++) {
                double w = Math.abs(Double.longBitsToDouble(b[i]));
                assertTrue(w != 0.0, "no zero before pruning");
                if (a[i] != b[i]) {
                    assertEquals(Double.doubleToRawLongBits(0.0), a[i], name + "[" + i + "] changed to a non-zero");
                    assertTrue(w <= r.threshold(), name + "[" + i + "] pruned with |w| " + w + " > " + r.threshold());
                    zeros++;
                } else {
                    assertTrue(w >= r.threshold(), name + "[" + i + "] kept with |w| " + w + " < " + r.threshold());
                }
            }
        }
        assertEquals(prunable, r.matrices());
        assertEquals(total, r.total());
        assertEquals(expected, zeros, "zeros after pruning at " + r.sparsity());
        assertEquals(expected, r.zeros());
        assertEquals(expected, r.pruned());
        assertEquals((double) expected / total, r.achievedSparsity(), 0.0);
    }

    @Test
    void keepZerosRestoresThePrunedEntriesAfterAnUpdate() {
        MlmTransformer m = transformer(3);
        Pruning.Result r = Pruning.prune(m, 0.6);
        var keep = Pruning.keepZeros(m);
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Tensor p : m.namedParameters().values()) p.add_(new org.bytedeco.pytorch.Scalar(0.25)); // an update that moves everything
            assertEquals(0, zeros(m), "the update left no zero");
        }
        keep.accept(m);
        assertEquals(r.zeros(), zeros(m));
        double[] before = logProbs(m);
        keep.accept(m); // idempotent
        assertTrue(java.util.Arrays.equals(before, logProbs(m)));
    }

    private static long zeros(MlmModel m) {
        long n = 0;
        try (PointerScope s = new PointerScope()) {
            for (String name : Pruning.prunableNames(m)) n += m.namedParameters().get(name).eq(new org.bytedeco.pytorch.Scalar(0.0)).sum().item_long();
        }
        return n;
    }

    @Test
    void prunableMatricesAreTheTransformerBlocksWeights() {
        MlmTransformer m = transformer(1);
        List<String> expected = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            for (String s : new String[] {"attn.query", "attn.key", "attn.value", "attn.out", "mlp.fc1", "mlp.fc2"})
                expected.add("blocks." + b + "." + s + ".weight");
        }
        assertEquals(expected, Pruning.prunableNames(m));
        List<String> lstmNames = Pruning.prunableNames(lstm(1));
        assertEquals(List.of("lstm.0.forward.weight_ih", "lstm.0.forward.weight_hh", "lstm.0.backward.weight_ih",
            "lstm.0.backward.weight_hh", "lstm.1.forward.weight_ih", "lstm.1.forward.weight_hh", "lstm.1.backward.weight_ih",
            "lstm.1.backward.weight_hh"), lstmNames);
    }

    @Test
    void transformerAtZeroThirtyAndNinetyPercent() {
        double[] reference = logProbs(transformer(7));
        long total = 2L * (4 * 64 + 2 * 96);
        long[][] cases = {{0, 0}, {3, total * 3 / 10}, {9, total * 9 / 10}};
        for (long[] c : cases) {
            double s = c[0] / 10.0;
            MlmTransformer m = transformer(7);
            LinkedHashMap<String, long[]> before = bits(m);
            Pruning.Result r = Pruning.prune(m, s);
            checkPruned(m, before, r, c[1]);
            assertEquals(total, r.total());
            double[] lp = logProbs(m);
            if (s == 0) {
                for (int i = 0; i < lp.length; i++)
                    assertEquals(Double.doubleToRawLongBits(reference[i]), Double.doubleToRawLongBits(lp[i]), "log-prob " + i);
                assertEquals(0.0, r.threshold());
            } else {
                double maxDiff = 0;
                for (int i = 0; i < lp.length; i++) maxDiff = Math.max(maxDiff, Math.abs(reference[i] - lp[i]));
                if (s == 0.9) assertTrue(maxDiff > 1e-4, "pruning 90% changes the outputs: " + maxDiff);
                assertTrue(r.threshold() > 0);
            }
        }
    }

    @Test
    void lstmAtHalf() {
        MlmLstm m = lstm(3);
        double[] reference = logProbs(m);
        LinkedHashMap<String, long[]> before = bits(m);
        Pruning.Result r = Pruning.prune(m, 0.5);
        long total = 2L * (20 * 6 + 20 * 5) + 2L * (20 * 10 + 20 * 5);
        assertEquals(total, r.total());
        checkPruned(m, before, r, total / 2);
        double[] lp = logProbs(m);
        double maxDiff = 0;
        for (int i = 0; i < lp.length; i++) maxDiff = Math.max(maxDiff, Math.abs(reference[i] - lp[i]));
        assertTrue(maxDiff > 1e-4, "pruning changes the outputs: " + maxDiff);
    }

    @Test
    void tiesAreBrokenByPositionAndZerosCount() {
        MlmTransformer m = transformer(2);
        // every matrix entry ±0.5: all tied, so the first k entries in canonical order are pruned
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                if (!Pruning.isPrunable(e.getKey(), e.getValue())) continue;
                e.getValue().copy_(e.getValue().sign().mul(Torch.scalar(0.5)));
            }
        }
        Pruning.Result r = Pruning.prune(m, 0.25);
        long k = r.total() / 4;
        assertEquals(0.5, r.threshold());
        long seen = 0;
        for (String name : r.matrices()) {
            double[] v = Torch.toDoubles(m.namedParameters().get(name));
            for (double x : v) {
                assertEquals(seen < k ? 0.0 : 0.5, Math.abs(x), name + " entry " + seen);
                seen++;
            }
        }
        // already-zero entries are the smallest: pruning again at the same sparsity changes nothing,
        // at a lower sparsity keeps every zero, at a higher one adds exactly the difference
        LinkedHashMap<String, long[]> once = bits(m);
        Pruning.Result again = Pruning.prune(m, 0.25);
        assertEquals(k, again.zeros());
        assertEquals(0.0, again.threshold());
        assertEquals(once.keySet(), bits(m).keySet());
        for (Map.Entry<String, long[]> e : bits(m).entrySet())
            assertTrue(java.util.Arrays.equals(once.get(e.getKey()), e.getValue()), e.getKey());
        assertEquals(k, Pruning.prune(m, 0.1).zeros());
        assertEquals(r.total() / 2, Pruning.prune(m, 0.5).zeros());
    }

    @Test
    void countUsesTheDecimalSparsity() {
        assertEquals(29, Pruning.prunedCount(0.29, 100)); // 0.29 * 100 = 28.999999999999996 in doubles
        assertEquals(7, Pruning.prunedCount(0.7, 10));
        assertEquals(0, Pruning.prunedCount(0.0, 1000));
        assertEquals(999, Pruning.prunedCount(0.9999, 1000));
        assertEquals(3, Pruning.prunedCount(0.3, 11));
    }

    @Test
    void sparsityOutsideTheUnitIntervalIsRefused() {
        MlmTransformer m = transformer(1);
        for (double s : new double[] {1.0, 1.5, -0.1, Double.NaN}) {
            BadInputException e = assertThrows(BadInputException.class, () -> Pruning.prune(m, s));
            assertTrue(e.getMessage().contains("sparsity") && !e.getMessage().contains("\n"), e.getMessage());
        }
        assertFalse(Pruning.isPrunableName("embeddings.tokens.weight"));
        assertFalse(Pruning.isPrunableName("head.weight"));
    }
}
