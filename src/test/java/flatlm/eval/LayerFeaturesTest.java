package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.hmm.Hmm;
import flatlm.model.LstmConfig;
import flatlm.model.MlmBatch;
import flatlm.model.MlmLstm;
import flatlm.model.MlmModel;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Tokens;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Features of any layer and the masked read ({@link Representation}). */
class LayerFeaturesTest {
    static final Hmm HMM = Hmm.random(new Hmm.Config(4, 8, 2, 7, 0.2, 0.0), 1);
    static final ModelConfig.DType F64 = ModelConfig.DType.FLOAT64;
    static final int[][] SENTENCES = {{1, 2, 3, 4, 5, 6, 7}, {0, 1, 2}, {7, 7, 0, 3, 1}};

    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    static MlmTransformer preLn() {
        return new MlmTransformer(new ModelConfig(8, 7, 8, 2, 2, 16, true, 0.0, F64), 3);
    }

    static MlmTransformer postLn() {
        return new MlmTransformer(new ModelConfig(8, 7, 8, 2, 2, 16, false, 0.0, F64), 4);
    }

    static MlmLstm lstm() {
        return new MlmLstm(new LstmConfig(8, 7, 6, 5, 2, 0.0, F64), 5);
    }

    static double[] states(MlmModel m, int[][] sentences, int layer) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch b = MlmBatch.multiMask(sentences, new int[sentences.length][0]);
            return Torch.toDoubles(m.layerStates(b.inputIds(), b.padMask()).get(layer));
        }
    }

    @Test
    void layerCountsNamesAndWidths() {
        assertEquals(4, preLn().numLayerStates());
        assertEquals(List.of("embedding", "block 1", "block 2", "final LayerNorm"),
            List.of(0, 1, 2, 3).stream().map(preLn()::layerName).toList());
        assertEquals(3, postLn().numLayerStates());
        assertEquals("block 2", postLn().layerName(2));
        MlmLstm l = lstm();
        assertEquals(3, l.numLayerStates());
        assertEquals(List.of(6, 10, 10), List.of(l.layerWidth(0), l.layerWidth(1), l.layerWidth(2)));
        assertEquals("lstm 2", l.layerName(2));
    }

    @Test
    void everyLayersFeaturesHaveTheRightShape() {
        DownstreamTask task = HMM.task("hmm:2");
        for (MlmModel m : List.of(preLn(), postLn(), lstm())) {
            for (int k = 0; k < m.numLayerStates(); k++) {
                int w = m.layerWidth(k);
                ModelFeatures concat = LayerProbe.features(m, HMM, task, new Representation(k, Representation.Read.CONCAT));
                FeatureMatrix f = concat.extract(SENTENCES);
                assertEquals(7 * w, concat.dimension(), m.kind() + " layer " + k);
                assertEquals(3, f.rows());
                assertEquals(7 * w, f.cols());
                double[] h = states(m, new int[][] {SENTENCES[1]}, k);
                for (int c = 0; c < 7 * w; c++) {
                    double expected = c < 3 * w ? h[w + c] : 0.0; // token i+1 = word i; past the end: zero
                    assertEquals(expected, f.get(1, c), 1e-12, m.kind() + " layer " + k + " column " + c);
                }
                ModelFeatures masked = LayerProbe.features(m, HMM, task, new Representation(k, Representation.Read.MASKED));
                FeatureMatrix g = masked.extract(SENTENCES);
                assertEquals(w + m.layerWidth(0), masked.dimension());
                assertEquals(w + m.layerWidth(0), g.cols());
                assertEquals(3, g.rows());
            }
        }
    }

    @Test
    void theFinalLayerIsTodaysFeaturesExactly() {
        for (MlmModel m : List.of(preLn(), postLn(), lstm())) {
            int last = m.numLayerStates() - 1;
            // today's extraction (the code before layers existed): hidden() of the unmasked batch, token i+1 = word i
            double[] h;
            int t;
            try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                MlmBatch b = MlmBatch.multiMask(SENTENCES, new int[SENTENCES.length][0]);
                h = Torch.toDoubles(m.hidden(b.inputIds(), b.padMask()));
                t = b.tokenLength();
            }
            int d = m.hiddenSize();
            double[] today = new double[SENTENCES.length * 7 * d];
            for (int i = 0; i < SENTENCES.length; i++) System.arraycopy(h, (i * t + 1) * d, today, i * 7 * d, SENTENCES[i].length * d);
            assertArrayEquals(h, states(m, SENTENCES, last), 0.0, "the last layer state is hidden() exactly");
            assertArrayEquals(today, new ModelFeatures(m, 7).extract(SENTENCES).data(), 0.0);
            assertArrayEquals(today, new ModelFeatures(m, 7, new Representation(last, Representation.Read.CONCAT), -1)
                .extract(SENTENCES).data(), 0.0, "--layer " + last);
            assertArrayEquals(today, new ModelFeatures(m, 7, Representation.DEFAULT, -1).extract(SENTENCES).data(), 0.0);
            assertTrue(new ModelFeatures(m, 7).settings().isEmpty(), "the default adds nothing to results");
            // an inner layer differs from the final one
            assertFalse(java.util.Arrays.equals(states(m, SENTENCES, last - 1), h));
        }
    }

    /** Token ids of one sentence with word {@code p} replaced by [MASK], written out by hand. */
    static long[] maskedIds(int[] s, int p) {
        long[] ids = new long[s.length + 2];
        ids[0] = Tokens.CLS;
        for (int i = 0; i < s.length; i++) ids[i + 1] = i == p ? Tokens.MASK : Tokens.WORD_OFFSET + s[i];
        ids[s.length + 1] = Tokens.SEP;
        return ids;
    }

    static double[] at(Tensor states, int token) {
        return Torch.toDoubles(states.select(0, 0).select(0, token));
    }

    /** LN(x)·w + b with BERT's epsilon, in Java. */
    static double[] layerNorm(double[] x, double[] w, double[] b) {
        double mean = 0, var = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (x[i] - mean) / Math.sqrt(var + MlmTransformer.LAYER_NORM_EPS) * w[i] + b[i];
        return out;
    }

    static double[] concat(double[] a, double[] b) {
        double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void theMaskedReadIsTheHiddenStateOfTheMaskedSentenceComputedByHand() {
        DownstreamTask task = HMM.task("hmm:3");
        int p = 3;
        int[] s = SENTENCES[0];
        MlmTransformer post = postLn();
        Map<String, Tensor> params = post.namedParameters();
        double[] emb;
        double[] block1;
        double[] block2;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor ids = Torch.longTensor(maskedIds(s, p), 1, s.length + 2);
            // layer 2 (final) = the model's own forward on the masked sentence, at token p + 1
            block2 = at(post.hidden(ids, null), p + 1);
            // layer 1 = the forward of a one-block model with the same embedding and first block
            MlmTransformer one = new MlmTransformer(new ModelConfig(8, 7, 8, 2, 1, 16, false, 0.0, F64), 99);
            one.copyParametersFrom(params);
            block1 = at(one.hidden(ids, null), p + 1);
            // the word's own embedding output, in Java: LN_emb(E_tok[x_p] + E_pos[p + 1])
            double[] tok = Torch.toDoubles(params.get("embeddings.tokens.weight").select(0, Tokens.WORD_OFFSET + s[p]));
            double[] pos = Torch.toDoubles(params.get("embeddings.positions.weight").select(0, p + 1));
            double[] sum = new double[8];
            for (int i = 0; i < 8; i++) sum[i] = tok[i] + pos[i];
            emb = layerNorm(sum, Torch.toDoubles(params.get("embeddings.norm.weight")), Torch.toDoubles(params.get("embeddings.norm.bias")));
        }
        int[][] one = {s};
        Representation.Read masked = Representation.Read.MASKED;
        assertArrayEquals(concat(block2, emb), LayerProbe.features(post, HMM, task, new Representation(2, masked)).extract(one).data(), 1e-12);
        assertArrayEquals(concat(block1, emb), LayerProbe.features(post, HMM, task, new Representation(1, masked)).extract(one).data(), 1e-12);
        // batched with other sentences (padding), the same row
        FeatureMatrix batch = LayerProbe.features(post, HMM, task, new Representation(Representation.FINAL, masked)).extract(new int[][] {s, SENTENCES[2]});
        assertArrayEquals(concat(block2, emb), batch.row(0), 1e-12);
        // the masked state carries no trace of the word itself: another word at p gives the same masked state
        int[] other = s.clone();
        other[p] = (s[p] + 1) % 8;
        double[] o = LayerProbe.features(post, HMM, task, new Representation(2, masked)).extract(new int[][] {other}).data();
        assertArrayEquals(block2, java.util.Arrays.copyOf(o, 8), 1e-12);
        assertFalse(java.util.Arrays.equals(emb, java.util.Arrays.copyOfRange(o, 8, 16)));
    }

    @Test
    void theMaskedReadOfAnLstmLayerIsTheTruncatedModelsState() {
        DownstreamTask task = HMM.task("hmm:2");
        int p = 2;
        int[] s = SENTENCES[2];
        MlmLstm two = lstm();
        double[] layer1;
        double[] tok;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmLstm one = new MlmLstm(new LstmConfig(8, 7, 6, 5, 1, 0.0, F64), 77);
            one.copyParametersFrom(two.namedParameters());
            layer1 = at(one.hidden(Torch.longTensor(maskedIds(s, p), 1, s.length + 2), null), p + 1);
            tok = Torch.toDoubles(two.namedParameters().get("embeddings.tokens.weight").select(0, Tokens.WORD_OFFSET + s[p]));
        }
        double[] f = LayerProbe.features(two, HMM, task, new Representation(1, Representation.Read.MASKED)).extract(new int[][] {s}).data();
        assertArrayEquals(concat(layer1, tok), f, 1e-12);
    }

    @Test
    void badRepresentationsAreOneLineErrors() {
        DownstreamTask task = HMM.task("hmm:2");
        BadInputException e = assertThrows(BadInputException.class,
            () -> LayerProbe.features(preLn(), HMM, task, new Representation(99, Representation.Read.CONCAT)));
        assertEquals("--layer 99: this transformer has layer states 0..3 (0 embedding, 1 block 1, 2 block 2, 3 final LayerNorm)", e.getMessage());
        e = assertThrows(BadInputException.class, () -> LayerProbe.features(lstm(), HMM, task, new Representation(3, Representation.Read.CONCAT)));
        assertEquals("--layer 3: this lstm has layer states 0..2 (0 embedding, 1 lstm 1, 2 lstm 2)", e.getMessage());
        e = assertThrows(BadInputException.class, () -> Representation.Read.parse("foo"));
        assertTrue(e.getMessage().startsWith("--read must be concat"), e.getMessage());
        assertThrows(BadInputException.class, () -> Representation.parseLayer("-1"));
        assertThrows(BadInputException.class, () -> Representation.parseLayer("top"));
        assertEquals(Representation.FINAL, Representation.parseLayer("final"));
        assertEquals(new Representation(2, Representation.Read.MASKED), Representation.parse("2/masked"));
        assertEquals(Representation.DEFAULT, Representation.parse("final"));
        assertEquals("final/concat", Representation.DEFAULT.id());
    }

    @Test
    void aTaskWithoutAPositionHasNoMaskedRead() throws Exception {
        flatlm.lang.LanguageSpec spec = new flatlm.lang.LanguageSpec();
        spec.kind = "dyck";
        spec.n = 6;
        flatlm.lang.Language dyck = spec.build();
        MlmTransformer model = new MlmTransformer(new ModelConfig(2, 6, 8, 2, 1, 16, true, 0.0, F64), 4);
        BadInputException e = assertThrows(BadInputException.class,
            () -> LayerProbe.features(model, dyck, dyck.task("dyck"), new Representation(1, Representation.Read.MASKED)));
        assertTrue(e.getMessage().contains("dyck is about the whole sentence"), e.getMessage());
    }

    @Test
    void theLookupTablesMaskedReadIsTheConditionalAndTheWord() {
        int[] s = HMM.sample(new java.util.SplittableRandom(3)).words();
        double[] f = new LookupTable(HMM, 1, 4).extract(new int[][] {s}).data();
        double[] cond = HMM.conditionals(s)[4];
        assertEquals(16, f.length);
        assertArrayEquals(cond, java.util.Arrays.copyOf(f, 8), 0.0);
        for (int v = 0; v < 8; v++) assertEquals(v == s[4] ? 1.0 : 0.0, f[8 + v], 0.0);
    }

    @Test
    void everyLayerIsProbedOnTheSameSplits() {
        DownstreamTask task = HMM.task("hmm:3");
        MlmTransformer m = preLn();
        Probe.Setup setup = new Probe.Setup(120, 60, 2, 1, 0);
        List<DownstreamSplit> splits = Probe.splits(task, setup);
        int[] ticks = {0};
        List<LayerProbe.Layer> layers = LayerProbe.run(m, HMM, task, Representation.Read.CONCAT, splits, setup,
            LinearProbe.Options.defaults(), () -> ticks[0]++);
        assertEquals(4, layers.size());
        assertEquals(8, ticks[0]);
        DownstreamResult fin = Probe.run("probe", new ModelFeatures(m, 7), HMM, task, splits, setup, LinearProbe.Options.defaults(), null);
        assertEquals(fin.seeds(), layers.get(3).result().seeds(), "the last layer is the default probe");
        assertEquals(1, layers.get(1).result().settings().get("layer"));
        assertEquals("block 1", layers.get(1).result().settings().get("layer_name"));
        assertTrue(LayerProbe.table(layers).contains("final LayerNorm"));
    }
}
