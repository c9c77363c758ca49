package flatlm.flatness;

import flatlm.train.Embedding;
import flatlm.eval.ExactLoss;
import flatlm.lang.Language;
import flatlm.lang.hmm.Hmm;
import flatlm.model.MlmBatch;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding a small transformer into a larger architecture preserves its function: log-probabilities
 * on random padded sentences (every position masked) agree to 1e-5 in float32 and 1e-9 in float64
 * (the float64 difference, ~2e-11, is the embedding LayerNorm's epsilon: the large model normalises
 * x/k, i.e. divides by √(σ² + k²·1e-12) instead of √(σ² + 1e-12)),
 * for width ratios 1, 2, 3, added layers, MLP widths that are not multiples (zero units), post-LN
 * widening; and the exact pre-training loss is unchanged.
 */
class EmbeddingTest {
    static final int V = 7;
    static final int N = 6;

    @BeforeAll
    static void threads() {
        Torch.setThreads(1);
    }

    static ModelConfig small(boolean preLn, ModelConfig.DType dtype) {
        return new ModelConfig(V, N, 8, 2, 2, 12, preLn, 0.0, dtype);
    }

    static ModelConfig large(ModelConfig s, int k, int extraLayers, int dInter) {
        return new ModelConfig(s.vocabWords(), s.maxLength(), s.d() * k, s.heads() * k, s.layers() + extraLayers, dInter,
            s.preLn(), 0.0, s.dtype());
    }

    /** Random sentences of lengths 1..N (padding), every position of every sentence masked once. */
    static MlmBatch batch(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<int[]> words = new java.util.ArrayList<>();
        List<Integer> pos = new java.util.ArrayList<>();
        for (int s = 0; s < 12; s++) {
            int[] w = new int[1 + rng.nextInt(N)];
            for (int i = 0; i < w.length; i++) w[i] = rng.nextInt(V);
            for (int i = 0; i < w.length; i++) {
                words.add(w);
                pos.add(i);
            }
        }
        return MlmBatch.singleMask(words.toArray(new int[0][]), pos.stream().mapToInt(Integer::intValue).toArray());
    }

    static double maxDiff(MlmTransformer a, MlmTransformer b) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch batch = batch(3);
            double[] x = Torch.toDoubles(a.logProbs(batch));
            double[] y = Torch.toDoubles(b.logProbs(batch));
            assertEquals(x.length, y.length);
            double worst = 0;
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
            return worst;
        }
    }

    @Test
    void outputsAreUnchangedForSeveralRatiosAndExtraLayers() {
        for (ModelConfig.DType dtype : ModelConfig.DType.values()) {
            double tol = dtype == ModelConfig.DType.FLOAT32 ? 1e-5 : 1e-9;
            ModelConfig s = small(true, dtype);
            MlmTransformer m = Tiny.rough(s, 4, 0.3);
            int[][] cases = {{2, 0, 24}, {3, 0, 36}, {1, 2, 12}, {2, 1, 24}, {3, 2, 41}, {2, 0, 30}};
            for (int[] c : cases) {
                ModelConfig l = large(s, c[0], c[1], c[2]);
                MlmTransformer big = Embedding.embed(m, l);
                double diff = maxDiff(m, big);
                System.err.printf("EmbeddingTest: %s k=%d extra layers=%d dInter %d->%d: max |Δ log q| %.2e%n",
                    dtype, c[0], c[1], s.dInter(), c[2], diff);
                assertTrue(diff < tol, dtype + " k=" + c[0] + " extra=" + c[1] + ": " + diff);
                assertEquals(l.parameterCount(), big.numParameters());
            }
        }
    }

    @Test
    void postLnModelsCanBeWidenedButNotDeepened() {
        ModelConfig s = small(false, ModelConfig.DType.FLOAT64);
        MlmTransformer m = Tiny.rough(s, 5, 0.3);
        assertTrue(maxDiff(m, Embedding.embed(m, large(s, 2, 0, 24))) < 1e-9);
        BadInputException e = assertThrows(BadInputException.class, () -> Embedding.embed(m, large(s, 2, 1, 24)));
        assertTrue(e.getMessage().contains("post-LN"), e.getMessage());
    }

    @Test
    void exactLossIsIdentical() throws Exception {
        Language hmm = Hmm.random(new Hmm.Config(4, V, 2, N, 0.3, 0.0), 2);
        ModelConfig s = small(true, ModelConfig.DType.FLOAT32);
        MlmTransformer m = Tiny.rough(s, 6, 0.2);
        MlmTransformer big = Embedding.embed(m, large(s, 3, 1, 36));
        ExactLoss.HeldOut set = ExactLoss.HeldOut.of(hmm, hmm.sample(64, new SplittableRandom(1)));
        ExactLoss.Result a = ExactLoss.evaluate(m, set, 512);
        ExactLoss.Result b = ExactLoss.evaluate(big, set, 512);
        System.err.printf("EmbeddingTest: exact CE small %.8f, embedded %.8f%n", a.crossEntropy(), b.crossEntropy());
        assertEquals(a.crossEntropy(), b.crossEntropy(), 1e-6);
        assertEquals(a.kl(), b.kl(), 1e-6);
    }

    @Test
    void badArchitecturesGiveOneLineErrors() {
        ModelConfig s = small(true, ModelConfig.DType.FLOAT32);
        String[][] cases = {
            {"12,3,2,24", "multiple"},      // width not a multiple
            {"16,2,2,24", "heads"},         // same heads, larger head size
            {"16,8,2,24", "heads"},         // too many heads
            {"16,4,1,24", "layers"},        // fewer layers
            {"16,4,2,8", "MLP"},            // narrower MLP
            {"4,1,2,12", "multiple"},       // narrower
        };
        for (String[] c : cases) {
            int[] a = java.util.Arrays.stream(c[0].split(",")).mapToInt(Integer::parseInt).toArray();
            ModelConfig l = new ModelConfig(V, N, a[0], a[1], a[2], a[3], true, 0.0, s.dtype());
            BadInputException e = assertThrows(BadInputException.class, () -> Embedding.plan(s, l), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && !e.getMessage().contains("\n"), e.getMessage());
        }
        ModelConfig otherVocab = new ModelConfig(V + 1, N, 16, 4, 2, 24, true, 0.0, s.dtype());
        assertThrows(BadInputException.class, () -> Embedding.plan(s, otherVocab));
    }

    @Test
    void table4WidthsAllEmbedIntoTheLargest() {
        ModelConfig.Size top = Embedding.TABLE4.get(Embedding.TABLE4.size() - 1);
        for (List<ModelConfig.Size> sizes : List.of(Embedding.TABLE4, Embedding.TABLE4_CPU)) {
            ModelConfig.Size largest = sizes.get(sizes.size() - 1);
            ModelConfig l = new ModelConfig(V, N, largest.d(), largest.heads(), largest.layers(), largest.dInter(), true, 0, null);
            for (ModelConfig.Size s : sizes) {
                Embedding.Plan p = Embedding.plan(new ModelConfig(V, N, s.d(), s.heads(), s.layers(), s.dInter(), true, 0, null), l);
                assertEquals(largest.d(), p.widthRatio() * s.d());
            }
        }
        assertEquals(1920, top.d());
        assertTrue(Embedding.presets().containsKey("table4-cpu-240"));
        assertTrue(Embedding.presets().containsKey("small"));
    }

    /**
     * How the Fisher trace moves under the map, per parameter group (exact, by enumerating labels):
     * attention matrices keep theirs (k² entries with gradient / k), the MLP matrices too when the
     * MLP is replicated k times, LayerNorm parameters and biases drop to 1/k (k entries with
     * gradient / k), embeddings grow k-fold (every copy gets the full gradient).
     */
    @Test
    void fisherTraceOfReplicatedMatricesIsPreserved() {
        ModelConfig s = small(true, ModelConfig.DType.FLOAT64);
        MlmTransformer m = Tiny.rough(s, 9, 0.3);
        int k = 2;
        MlmTransformer big = Embedding.embed(m, large(s, k, 0, 24));
        Language hmm = Hmm.random(new Hmm.Config(4, V, 2, N, 0.3, 0.0), 2);
        List<MaskedContext> cs = ContextSource.of(hmm).draw(6, new SplittableRandom(1), false);
        ContextSet set = ContextSet.uniform(cs);
        String[] keep = {"blocks.0.attn.query.weight", "blocks.1.attn.value.weight", "blocks.0.mlp.fc1.weight",
            "blocks.1.mlp.fc2.weight", "blocks.0.attn_norm.weight", "blocks.1.mlp.fc1.bias", "embeddings.tokens.weight"};
        double[] ratio = {1, 1, 1, 1, 1.0 / k, 1.0 / k, k};
        for (int i = 0; i < keep.length; i++) {
            List<String> others = new java.util.ArrayList<>(m.parameterNames());
            others.remove(keep[i]);
            ParameterSelection only = ParameterSelection.excluding(others);
            List<String> othersBig = new java.util.ArrayList<>(big.parameterNames());
            othersBig.remove(keep[i]);
            double fs = ExactHessian.fisherTrace(m, set, only);
            double fl = ExactHessian.fisherTrace(big, set, ParameterSelection.excluding(othersBig));
            assertEquals(ratio[i], fl / fs, 1e-9, keep[i] + ": " + fs + " -> " + fl);
        }
    }
}
