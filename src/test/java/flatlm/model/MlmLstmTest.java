package flatlm.model;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlmLstmTest {
    static final int V = 7;

    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    static LstmConfig cfg(ModelConfig.DType dt) {
        return new LstmConfig(V, 6, 5, 4, 2, 0.0, dt);
    }

    static MlmBatch batch() {
        return MlmBatch.singleMask(new int[][] {{0, 1, 2}, {3, 4, 5, 6, 0, 1}, {2, 2}, {6, 5, 4, 3}}, new int[] {1, 4, 0, 3});
    }

    @Test
    void probabilitiesSumToOneAndShapes() {
        MlmLstm m = new MlmLstm(cfg(ModelConfig.DType.FLOAT32), 1);
        assertEquals(cfg(ModelConfig.DType.FLOAT32).parameterCount(), m.numParameters());
        try (PointerScope s = new PointerScope()) {
            MlmBatch b = batch();
            assertArrayEquals(new long[] {4, 8, 8}, Torch.shape(m.hidden(b.inputIds(), b.padMask())));
            Tensor lp = m.logProbs(b);
            assertArrayEquals(new long[] {4, V}, Torch.shape(lp));
            double[] p = Torch.toDoubles(lp.exp());
            for (int r = 0; r < 4; r++) {
                double sum = 0;
                for (int v = 0; v < V; v++) sum += p[r * V + v];
                assertEquals(1.0, sum, 1e-5);
            }
        }
    }

    @Test
    void paddingDoesNotChangeAShorterSentence() {
        MlmLstm m = new MlmLstm(cfg(ModelConfig.DType.FLOAT64), 2);
        try (PointerScope s = new PointerScope()) {
            double[] a = Torch.toDoubles(m.logProbs(MlmBatch.singleMask(new int[][] {{4, 1, 3}}, new int[] {2})));
            double[] both = Torch.toDoubles(m.logProbs(MlmBatch.singleMask(new int[][] {{0, 1, 2, 3, 4, 5}, {4, 1, 3}}, new int[] {1, 2})));
            double[] b = Arrays.copyOfRange(both, V, 2 * V);
            for (int v = 0; v < V; v++) assertEquals(a[v], b[v], 1e-13);
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        MlmLstm m = new MlmLstm(cfg(ModelConfig.DType.FLOAT64), 3);
        SplittableRandom rng = new SplittableRandom(4);
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Tensor p : m.namedParameters().values()) {
                DoublePointer d = p.data_ptr_double();
                for (long i = 0; i < p.numel(); i++) d.put(i, d.get(i) + 0.3 * rng.nextGaussian());
            }
        }
        Map<String, Tensor> params = m.namedParameters();
        Map<String, double[]> grads = new java.util.HashMap<>();
        try (PointerScope s = new PointerScope()) {
            m.loss(batch()).backward();
            for (Map.Entry<String, Tensor> e : params.entrySet()) grads.put(e.getKey(), Torch.toDoubles(e.getValue().grad()));
        }
        Object[][] entries = {
            {"embeddings.tokens.weight", 4 * 5 + 2}, {"embeddings.tokens.weight", 3 * 5 + 1},
            {"lstm.0.forward.weight_ih", 7}, {"lstm.0.backward.weight_hh", 11}, {"lstm.0.forward.bias", 5},
            {"lstm.1.backward.weight_ih", 30}, {"lstm.1.forward.weight_hh", 3}, {"lstm.1.backward.bias", 14},
            {"head.weight", 9}, {"head.bias", 2},
        };
        double h = 1e-5;
        for (Object[] en : entries) {
            String name = (String) en[0];
            int idx = (Integer) en[1];
            DoublePointer d = params.get(name).data_ptr_double();
            double orig = d.get(idx);
            d.put(idx, orig + h);
            double lp = loss(m);
            d.put(idx, orig - h);
            double lm = loss(m);
            d.put(idx, orig);
            double numeric = (lp - lm) / (2 * h);
            double analytic = grads.get(name)[idx];
            double rel = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic));
            assertTrue(Math.abs(analytic) > 1e-5, name + "[" + idx + "] gradient too small: " + analytic);
            assertTrue(rel < 1e-6, name + "[" + idx + "] analytic " + analytic + " numeric " + numeric + " rel " + rel);
        }
    }

    private static double loss(MlmLstm m) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return m.loss(batch()).item_double();
        }
    }

    @Test
    void checkpointRoundTripAndDeterminism(@TempDir Path dir) {
        MlmLstm a = new MlmLstm(cfg(ModelConfig.DType.FLOAT32), 5);
        MlmLstm same = new MlmLstm(cfg(ModelConfig.DType.FLOAT32), 5);
        Path f = dir.resolve("lstm.safetensors");
        SafeTensors.save(f, a, null);
        MlmModel b = SafeTensors.loadAnyModel(f, "cpu");
        assertTrue(b instanceof MlmLstm);
        try (PointerScope s = new PointerScope()) {
            double[] oa = Torch.toDoubles(a.logProbs(batch()));
            assertArrayEquals(oa, Torch.toDoubles(b.logProbs(batch())));
            assertArrayEquals(oa, Torch.toDoubles(same.logProbs(batch())));
            assertFalse(Arrays.equals(oa, Torch.toDoubles(new MlmLstm(cfg(ModelConfig.DType.FLOAT32), 6).logProbs(batch()))));
        }
    }
}
