package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.hmm.Hmm;
import flatlm.model.MlmBatch;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import flatlm.stats.Summary;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeTest {
    static final Hmm HMM = Hmm.random(new Hmm.Config(4, 8, 2, 7, 0.2, 0.0), 1);

    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    @Test
    void splitsDependOnlyOnTheSeed() {
        DownstreamTask task = HMM.task("hmm:6");
        DownstreamSplit a = DownstreamSplit.draw(task, 50, 20, 7);
        DownstreamSplit b = DownstreamSplit.draw(task, 50, 20, 7);
        DownstreamSplit c = DownstreamSplit.draw(task, 50, 20, 8);
        assertTrue(Arrays.deepEquals(a.trainWords(), b.trainWords()));
        assertArrayEquals(a.testLabels(), b.testLabels());
        assertFalse(Arrays.deepEquals(a.trainWords(), c.trainWords()));
        assertEquals(4, a.numClasses());
        List<DownstreamSplit> splits = Probe.splits(task, new Probe.Setup(50, 20, 3, 7, 0));
        assertEquals(List.of(7L, 8L, 9L), splits.stream().map(DownstreamSplit::seed).toList());
        assertTrue(Arrays.deepEquals(a.testWords(), splits.get(0).testWords()));
    }

    @Test
    void lookupProbeIsDeterministicAndNearTheBayesCeiling() {
        DownstreamTask task = HMM.task("hmm:6");
        Probe.Setup setup = new Probe.Setup(600, 400, 2, 1, 0);
        DownstreamResult a = Probe.lookup(HMM, task, setup, LinearProbe.Options.defaults(), 1, null);
        DownstreamResult b = Probe.lookup(HMM, task, setup, LinearProbe.Options.defaults(), 2, null);
        assertEquals(a.seeds(), b.seeds(), "same seeds, same results (thread count does not matter)");
        assertEquals(2, a.seeds().size());
        assertNotEquals(a.seeds().get(0).accuracy(), a.seeds().get(1).accuracy());
        double bayes = a.bayesAccuracy().mean();
        double acc = a.accuracy().mean();
        assertTrue(acc <= bayes + 0.03 && acc > bayes - 0.1, "lookup " + acc + " vs Bayes " + bayes);
        assertTrue(acc > 1.5 / task.numClasses(), "far above chance: " + acc);
        assertEquals("lookup", a.method());
        assertEquals(HMM.maxLength() * 8, a.settings().get("dimension"));
        assertTrue(a.toJson().containsKey("accuracy_std"));
        // projection: changes the features (and the numbers), keeps the protocol
        DownstreamResult p = Probe.lookup(HMM, task, new Probe.Setup(600, 400, 2, 1, 16), LinearProbe.Options.defaults(), 1, null);
        assertNotEquals(a.accuracy().mean(), p.accuracy().mean());
        assertTrue(p.accuracy().mean() > 1.5 / task.numClasses());
    }

    @Test
    void modelFeaturesAreTheHiddenStatesOfTheWordTokens() {
        MlmTransformer model = new MlmTransformer(new ModelConfig(8, 7, 8, 2, 1, 16, true, 0.0, ModelConfig.DType.FLOAT64), 3);
        int[][] sentences = {{1, 2, 3, 4, 5, 6, 7}, {0, 1, 2}};
        FeatureMatrix f = new ModelFeatures(model, 7, 1).extract(sentences);
        FeatureMatrix g = new ModelFeatures(model, 7).extract(sentences); // batched with padding
        assertEquals(7 * 8, f.cols());
        for (int s = 0; s < 2; s++) {
            double[] h;
            try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
                MlmBatch b = MlmBatch.multiMask(new int[][] {sentences[s]}, new int[1][0]);
                h = Torch.toDoubles(model.hidden(b.inputIds(), b.padMask()));
            }
            for (int i = 0; i < 7; i++) {
                for (int c = 0; c < 8; c++) {
                    double expected = i < sentences[s].length ? h[(i + 1) * 8 + c] : 0.0; // token i+1 = word i
                    assertEquals(expected, f.get(s, i * 8 + c), 0.0);
                    assertEquals(expected, g.get(s, i * 8 + c), 1e-12, "padding in the batch does not change the states");
                }
            }
        }
    }

    @Test
    void dyckIsARegressionWithMseAndRoundedAccuracy() throws Exception {
        flatlm.lang.LanguageSpec spec = new flatlm.lang.LanguageSpec();
        spec.kind = "dyck";
        spec.n = 6;
        flatlm.lang.Language dyck = spec.build();
        DownstreamTask task = dyck.task("dyck");
        MlmTransformer model = new MlmTransformer(new ModelConfig(2, 6, 16, 2, 1, 32, true, 0.0, ModelConfig.DType.FLOAT32), 4);
        Probe.Setup setup = new Probe.Setup(400, 200, 2, 1, 0);
        DownstreamResult r = Probe.probe(model, dyck, task, setup, LinearProbe.Options.defaults(), null);
        assertTrue(r.regression());
        // the count has variance n = 6 under i.i.d. brackets; the probe explains most of it
        double mse = r.mse().mean();
        assertTrue(mse >= 0 && mse < 1.5, "mse " + mse);
        assertTrue(r.accuracy().mean() > 0.3, "rounded accuracy " + r.accuracy());
        assertTrue(r.toJson().containsKey("mse_mean"));
        assertFalse(r.toJson().containsKey("bayes_accuracy_mean"));
        FineTune.Options o = new FineTune.Options(1e-3, 5, 1, 32, 0.0);
        DownstreamResult ft = FineTune.run(model, dyck, task, Probe.splits(task, new Probe.Setup(64, 32, 1, 1, 0)),
            setup, o, null);
        assertTrue(Double.isFinite(ft.mse().mean()));
    }

    @Test
    void standardizerAndProjection() {
        FeatureMatrix x = new FeatureMatrix(new double[] {1, 5, 2, 5, 3, 5}, 3, 2);
        Probe.Standardizer st = Probe.Standardizer.fit(x);
        FeatureMatrix z = st.apply(x);
        assertArrayEquals(new double[] {-Math.sqrt(1.5), 0, 0, 0, Math.sqrt(1.5), 0}, z.data(), 1e-12);
        double[] r = Probe.gaussianProjection(2, 3, new SplittableRandom(1));
        FeatureMatrix p = Probe.project(x, r, 3);
        assertEquals(3, p.cols());
        assertEquals(1 * r[0] + 5 * r[3], p.get(0, 0), 1e-12);
    }

    @Test
    void summaryIsMeanAndSampleStd() {
        Summary s = Summary.of(new double[] {0.5, 0.7, 0.9});
        assertEquals(0.7, s.mean(), 1e-12);
        assertEquals(0.2, s.std(), 1e-12);
        // one value says nothing about the spread: NaN, as everywhere (issue 26 item 6; it was 0.0 here)
        assertTrue(Double.isNaN(Summary.of(new double[] {0.3}).std()));
    }
}
