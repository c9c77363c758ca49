package flatlm.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlmTransformerTest {
    static final int V = 7;

    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    static ModelConfig tinyConfig(boolean preLn, ModelConfig.DType dtype) {
        return new ModelConfig(V, 6, 8, 2, 2, 12, preLn, 0.0, dtype);
    }

    static final int[][] SENTENCES = {{0, 1, 2}, {3, 4, 5, 6, 0, 1}, {2, 2}};
    static final int[] MASKS = {1, 4, 0};

    @Test
    void maskedProbabilitiesSumToOneOverWords() {
        for (ModelConfig.DType dt : ModelConfig.DType.values()) {
            for (boolean preLn : new boolean[] {true, false}) {
                MlmTransformer m = new MlmTransformer(tinyConfig(preLn, dt), 3);
                try (PointerScope s = new PointerScope()) {
                    MlmBatch b = MlmBatch.singleMask(SENTENCES, MASKS);
                    assertEquals(8, b.tokenLength());
                    Tensor h = m.hidden(b.inputIds(), b.padMask());
                    assertArrayEquals(new long[] {3, 8, 8}, Torch.shape(h));
                    Tensor lp = m.logProbs(b);
                    assertArrayEquals(new long[] {3, V}, Torch.shape(lp));
                    Tensor lp2 = m.maskedLogProbs(b.inputIds(), b.cols());
                    assertArrayEquals(Torch.toDoubles(lp), Torch.toDoubles(lp2));
                    double[] p = Torch.toDoubles(lp.exp());
                    double tol = dt == ModelConfig.DType.FLOAT64 ? 1e-12 : 1e-5;
                    for (int r = 0; r < 3; r++) {
                        double sum = 0;
                        for (int v = 0; v < V; v++) {
                            assertTrue(p[r * V + v] > 0);
                            sum += p[r * V + v];
                        }
                        assertEquals(1.0, sum, tol, "row " + r + " " + dt + " preLn=" + preLn);
                    }
                    double loss = m.loss(b).item_double();
                    assertTrue(Double.isFinite(loss) && loss > 0);
                }
            }
        }
    }

    @Test
    void paddingDoesNotChangeAShorterSentence() {
        MlmTransformer m = new MlmTransformer(tinyConfig(true, ModelConfig.DType.FLOAT64), 5);
        MlmTransformer post = new MlmTransformer(tinyConfig(false, ModelConfig.DType.FLOAT64), 5);
        for (MlmTransformer model : new MlmTransformer[] {m, post}) {
            try (PointerScope s = new PointerScope()) {
                int[] shortS = {4, 1, 3};
                int[] longS = {0, 1, 2, 3, 4, 5};
                MlmBatch alone = MlmBatch.singleMask(new int[][] {shortS}, new int[] {2});
                MlmBatch padded = MlmBatch.singleMask(new int[][] {longS, shortS}, new int[] {1, 2});
                assertTrue(alone.padMask() == null);
                assertTrue(padded.padMask() != null);
                double[] a = Torch.toDoubles(model.logProbs(alone));
                double[] both = Torch.toDoubles(model.logProbs(padded));
                double[] b = Arrays.copyOfRange(both, V, 2 * V);
                for (int v = 0; v < V; v++) assertEquals(a[v], b[v], 1e-13);
                // hidden states of the real tokens ([CLS] w1 w2 w3 [SEP]) too
                double[] ha = Torch.toDoubles(model.hidden(alone.inputIds(), alone.padMask()));
                double[] hb = Torch.toDoubles(model.hidden(padded.inputIds(), padded.padMask()).select(0, 1).narrow(0, 0, 5));
                assertEquals(ha.length, hb.length);
                for (int i = 0; i < ha.length; i++) assertEquals(ha[i], hb[i], 1e-12);
            }
        }
    }

    @Test
    void preAndPostLnBothRunAndDiffer() {
        MlmTransformer pre = new MlmTransformer(tinyConfig(true, ModelConfig.DType.FLOAT32), 9);
        MlmTransformer post = new MlmTransformer(tinyConfig(false, ModelConfig.DType.FLOAT32), 9);
        assertTrue(pre.namedParameters().containsKey("final_norm.weight"));
        assertFalse(post.namedParameters().containsKey("final_norm.weight"));
        try (PointerScope s = new PointerScope()) {
            MlmBatch b = MlmBatch.singleMask(SENTENCES, MASKS);
            double[] a = Torch.toDoubles(pre.logProbs(b));
            double[] c = Torch.toDoubles(post.logProbs(b));
            for (double x : a) assertTrue(Double.isFinite(x));
            for (double x : c) assertTrue(Double.isFinite(x));
            assertFalse(Arrays.equals(a, c));
        }
    }

    @Test
    void parameterCountMatchesFormula() {
        // "small" on V=16, n=8: tokens 20*64 + positions 10*64 + emb LN 2*64
        // + 2 blocks * (4*64*64 + 4*64 + 2*64*256 + 256 + 64 + 4*64) + final LN 2*64 + bias 16
        ModelConfig small = ModelConfig.preset("small", 16, 8);
        long byHand = 20 * 64 + 10 * 64 + 128 + 2L * (4 * 64 * 64 + 4 * 64 + 2 * 64 * 256 + 256 + 64 + 4 * 64) + 128 + 16;
        assertEquals(102_160, byHand);
        assertEquals(byHand, small.parameterCount());
        assertEquals(byHand, new MlmTransformer(small, 0).numParameters());
        for (String preset : new String[] {"tiny", "base-cpu", "paper-64", "paper-128"}) {
            for (boolean preLn : new boolean[] {true, false}) {
                ModelConfig c = ModelConfig.preset(preset, 50, 16).withPreLn(preLn);
                assertEquals(c.parameterCount(), new MlmTransformer(c, 0).numParameters(), preset);
            }
        }
    }

    @Test
    void presetsAreTheDocumentedSizes() {
        ModelConfig p = ModelConfig.preset("paper-768", 200, 16);
        assertEquals(768, p.d());
        assertEquals(12, p.heads());
        assertEquals(12, p.layers());
        assertEquals(3072, p.dInter());
        assertTrue(p.preLn());
        assertEquals(0.0, p.dropout());
        assertEquals(ModelConfig.DType.FLOAT32, p.dtype());
        assertThrows(flatlm.util.BadInputException.class, () -> ModelConfig.preset("huge", 10, 10));
        assertThrows(flatlm.util.BadInputException.class, () -> new ModelConfig(10, 10, 10, 3, 1, 10, true, 0, null));
        ModelConfig c = ModelConfig.preset("tiny", 10, 12).withDtype(ModelConfig.DType.FLOAT64).withDropout(0.1);
        assertEquals(c, ModelConfig.fromJson(c.toJson()));
    }

    @Test
    void sameSeedSameParametersAndOutputs() {
        ModelConfig cfg = tinyConfig(true, ModelConfig.DType.FLOAT32);
        MlmTransformer a = new MlmTransformer(cfg, 42);
        MlmTransformer b = new MlmTransformer(cfg, 42);
        MlmTransformer c = new MlmTransformer(cfg, 43);
        Map<String, Tensor> pa = a.namedParameters();
        Map<String, Tensor> pb = b.namedParameters();
        Map<String, Tensor> pc = c.namedParameters();
        assertEquals(pa.keySet(), pb.keySet());
        for (String k : pa.keySet()) assertArrayEquals(Torch.toDoubles(pa.get(k)), Torch.toDoubles(pb.get(k)), k);
        assertFalse(Arrays.equals(Torch.toDoubles(pa.get("embeddings.tokens.weight")),
            Torch.toDoubles(pc.get("embeddings.tokens.weight"))));
        try (PointerScope s = new PointerScope()) {
            MlmBatch batch = MlmBatch.singleMask(SENTENCES, MASKS);
            assertArrayEquals(Torch.toDoubles(a.logProbs(batch)), Torch.toDoubles(b.logProbs(batch)));
            assertArrayEquals(Torch.toDoubles(a.logProbs(batch)), Torch.toDoubles(a.logProbs(batch)));
        }
        // documented initialisation: embeddings ~ N(0, 0.02), LayerNorm ones/zeros, biases zero
        double[] emb = Torch.toDoubles(pa.get("embeddings.tokens.weight"));
        double ss = 0;
        for (double x : emb) ss += x * x;
        assertEquals(0.02, Math.sqrt(ss / emb.length), 0.006);
        for (double x : Torch.toDoubles(pa.get("blocks.0.mlp_norm.weight"))) assertEquals(1.0, x);
        for (double x : Torch.toDoubles(pa.get("blocks.1.attn.query.bias"))) assertEquals(0.0, x);
        for (double x : Torch.toDoubles(pa.get("head.bias"))) assertEquals(0.0, x);
    }

    @Test
    void multiMaskBatchPredictsEveryMaskedWord() {
        MlmTransformer m = new MlmTransformer(tinyConfig(true, ModelConfig.DType.FLOAT64), 1);
        try (PointerScope s = new PointerScope()) {
            MlmBatch b = MlmBatch.multiMask(new int[][] {{0, 1, 2, 3}, {4, 5}}, new int[][] {{0, 3}, {}});
            assertEquals(2, b.predictions());
            assertArrayEquals(new long[] {1, 3, 5, 6, 3, 2}, Arrays.copyOf(Torch.toLongs(b.inputIds()), 6));
            assertArrayEquals(new long[] {1, 8, 9, 2, 0, 0}, Arrays.copyOfRange(Torch.toLongs(b.inputIds()), 6, 12));
            assertArrayEquals(new long[] {0, 3}, Torch.toLongs(b.targets()));
            assertArrayEquals(new long[] {1, 4}, Torch.toLongs(b.cols()));
            assertArrayEquals(new long[] {2, V}, Torch.shape(m.logProbs(b)));
        }
        assertThrows(IllegalArgumentException.class, () -> MlmBatch.singleMask(new int[][] {{1, 2}}, new int[] {2}));
    }

    @Test
    void zeroGradClearsGradients() {
        MlmTransformer m = new MlmTransformer(tinyConfig(true, ModelConfig.DType.FLOAT64), 1);
        try (PointerScope s = new PointerScope()) {
            MlmBatch b = MlmBatch.singleMask(SENTENCES, MASKS);
            m.loss(b).backward();
            double[] g1 = Torch.toDoubles(m.namedParameters().get("head.bias").grad());
            m.loss(b).backward(); // accumulates
            double[] g2 = Torch.toDoubles(m.namedParameters().get("head.bias").grad());
            for (int i = 0; i < g1.length; i++) assertEquals(2 * g1[i], g2[i], 1e-15);
            m.zeroGrad();
            for (Tensor p : m.namedParameters().values()) assertFalse(p.grad().defined());
            m.loss(b).backward();
            assertArrayEquals(g1, Torch.toDoubles(m.namedParameters().get("head.bias").grad()));
        }
    }

    @Test
    void dropoutOnlyInTrainingMode() {
        MlmTransformer m = new MlmTransformer(tinyConfig(true, ModelConfig.DType.FLOAT64).withDropout(0.3), 1);
        try (PointerScope s = new PointerScope()) {
            MlmBatch b = MlmBatch.singleMask(SENTENCES, MASKS);
            double[] e1 = Torch.toDoubles(m.logProbs(b));
            double[] e2 = Torch.toDoubles(m.logProbs(b));
            assertArrayEquals(e1, e2);
            m.setTraining(true);
            double[] t1 = Torch.toDoubles(m.logProbs(b));
            assertFalse(Arrays.equals(e1, t1));
        }
    }

    /** The default path: final states everywhere, then the rows of the predictions. */
    static Tensor fullForwardLogProbs(MlmTransformer m, MlmBatch b) {
        Tensor h = m.hidden(b.inputIds(), b.padMask());
        long len = h.size(1);
        Tensor idx = b.rows().mul(new org.bytedeco.pytorch.Scalar(len)).add(b.cols());
        return m.wordLogits(h.reshape(h.size(0) * len, h.size(2)).index_select(0, idx)).log_softmax(1);
    }

    @Test
    void lastBlockAtThePredictionsOnlyIsTheFullForward() {
        // padding, a sentence without predictions, several predictions in one row
        MlmBatch[] batches = {MlmBatch.singleMask(SENTENCES, MASKS),
            MlmBatch.multiMask(new int[][] {{0, 1, 2, 3}, {4, 5}, {6}}, new int[][] {{0, 2, 3}, {}, {0}})};
        for (boolean preLn : new boolean[] {true, false}) {
            for (MlmBatch b : batches) {
                MlmTransformer m = new MlmTransformer(tinyConfig(preLn, ModelConfig.DType.FLOAT64), 5);
                try (PointerScope s = new PointerScope()) {
                    Tensor full = fullForwardLogProbs(m, b);
                    Tensor fast = m.logProbs(b);
                    double[] a = Torch.toDoubles(full), c = Torch.toDoubles(fast);
                    assertEquals(a.length, c.length);
                    for (int i = 0; i < a.length; i++) assertEquals(a[i], c[i], 1e-12, "preLn=" + preLn + " entry " + i);
                    full.select(1, 0).sum().backward();
                    Map<String, double[]> gFull = new java.util.LinkedHashMap<>();
                    m.namedParameters().forEach((k, t) -> gFull.put(k, Torch.toDoubles(t.grad())));
                    m.zeroGrad();
                    fast.select(1, 0).sum().backward();
                    m.namedParameters().forEach((k, t) -> {
                        double[] g = Torch.toDoubles(t.grad());
                        for (int i = 0; i < g.length; i++) assertEquals(gFull.get(k)[i], g[i], 1e-12, k + " preLn=" + preLn);
                    });
                }
            }
        }
    }

    @Test
    void fusedAttentionOfTrainingModeIsTheEvalModeFunction() {
        MlmBatch[] batches = {MlmBatch.singleMask(SENTENCES, MASKS),
            MlmBatch.multiMask(new int[][] {{0, 1, 2, 3}, {4, 5}, {6}}, new int[][] {{0, 2, 3}, {}, {0}})};
        for (boolean preLn : new boolean[] {true, false}) {
            for (MlmBatch b : batches) {
                MlmTransformer m = new MlmTransformer(tinyConfig(preLn, ModelConfig.DType.FLOAT64), 6);
                try (PointerScope s = new PointerScope()) {
                    Map<String, double[]> gEval = new java.util.LinkedHashMap<>();
                    double[] eval = Torch.toDoubles(m.loss(b));
                    double[] evalHidden = Torch.toDoubles(m.hidden(b.inputIds(), b.padMask()));
                    m.loss(b).backward();
                    m.namedParameters().forEach((k, t) -> gEval.put(k, Torch.toDoubles(t.grad())));
                    m.zeroGrad();
                    m.setTraining(true); // dropout 0: the same function
                    double[] train = Torch.toDoubles(m.loss(b));
                    assertEquals(eval[0], train[0], 1e-12, "preLn=" + preLn);
                    double[] trainHidden = Torch.toDoubles(m.hidden(b.inputIds(), b.padMask()));
                    for (int i = 0; i < evalHidden.length; i++) assertEquals(evalHidden[i], trainHidden[i], 1e-12);
                    m.loss(b).backward();
                    m.namedParameters().forEach((k, t) -> {
                        double[] g = Torch.toDoubles(t.grad());
                        for (int i = 0; i < g.length; i++) assertEquals(gEval.get(k)[i], g[i], 1e-12, k + " preLn=" + preLn);
                    });
                }
            }
        }
    }
}
