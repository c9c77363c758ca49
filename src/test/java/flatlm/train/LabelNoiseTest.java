package flatlm.train;

import flatlm.lang.Language;
import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The label-noise dial (algorithm sampled-labels, labelsPerContext k): SPEC.md section 3, issue 23. */
class LabelNoiseTest {
    private static final double[] P = {0.5, 0.0, 0.2, 0.25, 0.05, 0.0};

    /** E[c/k] = p and Var[c_v/k] = p_v(1 − p_v)/k: each coordinate of the mean of N draws within 5 standard errors. */
    @Test
    void theTargetsMeanIsPStarAndItsVarianceShrinksAsOneOverK() {
        int n = 20_000;
        for (int k : new int[] {1, 3, 16}) {
            SplittableRandom rng = new SplittableRandom(7 + k);
            double[] sum = new double[P.length], sq = new double[P.length];
            for (int i = 0; i < n; i++) {
                double[] t = Algorithm.empirical(P, k, rng);
                double total = 0;
                for (int v = 0; v < P.length; v++) {
                    assertEquals(Math.rint(t[v] * k), t[v] * k, 1e-9, "a count over k");
                    sum[v] += t[v];
                    sq[v] += t[v] * t[v];
                    total += t[v];
                }
                assertEquals(1.0, total, 1e-12);
            }
            for (int v = 0; v < P.length; v++) {
                double mean = sum[v] / n, var = sq[v] / n - mean * mean;
                double theoryVar = P[v] * (1 - P[v]) / k;
                if (P[v] == 0) {
                    assertEquals(0.0, sum[v], "a word of probability 0 is never drawn (k " + k + ")");
                    continue;
                }
                assertEquals(P[v], mean, 5 * Math.sqrt(theoryVar / n), "mean of word " + v + " at k " + k);
                // Var of the sample variance of a bounded variable: at most E[(t − p)^4]/n <= theoryVar/n (t, p in [0, 1])
                assertEquals(theoryVar, var, 5 * Math.sqrt(theoryVar / n), "variance of word " + v + " at k " + k);
            }
        }
    }

    /**
     * k = 1 is standard MLM on fresh data: the sampled label words of many steps' masked contexts
     * fit the counts Σ_m p*(v | context m) and are distributed as the words the sampler put there
     * (chi-square goodness of fit and homogeneity, p > 0.001 at a fixed seed); a sampler of the
     * wrong distribution is rejected by the same test.
     */
    @Test
    void withOneLabelTheTargetsAreDistributedLikeTheDataWords() throws Exception {
        Language lang = TrainerTest.tiny(1).language.build();
        int v = lang.vocabulary().size();
        long[] labels = new long[v], data = new long[v], wrong = new long[v];
        double[] expected = new double[v];
        BatchSource source = BatchSource.fresh(lang, 11);
        Masking masking = new Masking("single", v);
        SplittableRandom wrongRng = new SplittableRandom(3);
        for (long step = 0; step < 40; step++) {
            int[][] sentences = source.sentences(step, 256);
            try (PointerScope s = new PointerScope()) {
                MlmBatch batch = masking.batch(sentences, BatchSource.rngFor(11, step, RngStreams.MASKING));
                Algorithm.Step st = new Algorithm.Step(sentences, batch, step);
                double[][] exact = Algorithm.exactTargets(st, lang);
                double[][] sampled = Algorithm.sampledTargets(st, lang, 1, 11);
                int m = 0;
                for (int b = 0; b < sentences.length; b++) {
                    for (int pos : batch.wordPositions()[b]) {
                        data[sentences[b][pos]]++;
                        for (int w = 0; w < v; w++) {
                            expected[w] += exact[m][w];
                            if (sampled[m][w] == 1) labels[w]++;
                        }
                        double[] reversed = new double[v]; // the wrong distribution: p* with the words reversed
                        for (int w = 0; w < v; w++) reversed[w] = exact[m][v - 1 - w];
                        double[] t = Algorithm.empirical(reversed, 1, wrongRng);
                        for (int w = 0; w < v; w++) if (t[w] == 1) wrong[w]++;
                        m++;
                    }
                }
            }
        }
        assertEquals(40 * 256, java.util.Arrays.stream(labels).sum(), "one label per masked context");
        ChiSquareTest chi = new ChiSquareTest();
        double fit = chi.chiSquareTest(expected, labels), same = chi.chiSquareTest(new long[][] {labels, data});
        assertTrue(fit > 1e-3, "goodness of fit against sum_m p*: p = " + fit);
        assertTrue(same > 1e-3, "homogeneity with the data words: p = " + same);
        assertTrue(chi.chiSquareTest(expected, wrong) < 1e-3, "the test rejects a wrong label distribution");
    }

    /**
     * The gradient is linear in the targets, so across label draws at a fixed batch its covariance
     * is (1/k) Σ_m Σ_vw (diag p_m − p_m p_mᵀ)_vw g_mv·g_mwᵀ (g_mv: the gradient for word v at context m):
     * the trace of the empirical covariance of 300 draws at k = 1, 4, 16 within 20 % of that (tiny float64 model).
     */
    @Test
    void theGradientVarianceAcrossLabelDrawsScalesAsOneOverK() throws Exception {
        TrainConfig cfg = TrainerTest.tiny(1);
        Language lang = cfg.language.build();
        ModelConfig mc = Trainer.modelConfig(cfg, lang).withDtype(ModelConfig.DType.FLOAT64);
        MlmTransformer model = new MlmTransformer(mc, 3);
        int v = lang.vocabulary().size();
        int[][] sentences = BatchSource.fresh(lang, 5).sentences(0, 16);
        try (PointerScope outer = new PointerScope()) {
            MlmBatch batch = new Masking("single", v).batch(sentences, new SplittableRandom(5));
            double[][] p = Algorithm.exactTargets(new Algorithm.Step(sentences, batch, 0), lang);
            int m = p.length;
            // exact trace at k = 1: Σ_m [Σ_v p_mv ‖g_mv‖² − ‖Σ_v p_mv g_mv‖²]
            double trace1 = 0;
            for (int i = 0; i < m; i++) {
                double[] mean = null;
                for (int w = 0; w < v; w++) {
                    if (p[i][w] == 0) continue;
                    double[][] oneHot = new double[m][v];
                    oneHot[i][w] = 1;
                    double[] g = gradient(model, batch, oneHot);
                    if (mean == null) mean = new double[g.length];
                    double sq = 0;
                    for (int j = 0; j < g.length; j++) {
                        sq += g[j] * g[j];
                        mean[j] += p[i][w] * g[j];
                    }
                    trace1 += p[i][w] * sq;
                }
                for (double x : mean) trace1 -= x * x;
            }
            int draws = 300;
            for (int k : new int[] {1, 4, 16}) {
                Algorithm alg = Algorithm.sampledLabels(lang, k, 9);
                List<double[]> gs = new ArrayList<>();
                for (int r = 0; r < draws; r++) {
                    try (PointerScope s = new PointerScope()) {
                        model.zeroGrad();
                        alg.gradients(model, new Algorithm.Step(sentences, batch, r)); // step r: its own label draw
                        gs.add(flatGrad(model));
                    }
                }
                double got = traceOfCovariance(gs);
                double ratio = got / (trace1 / k);
                assertTrue(ratio > 0.8 && ratio < 1.25, "k " + k + ": trace of the gradient covariance " + got
                    + ", theory " + trace1 / k + " (ratio " + ratio + ")");
            }
        }
    }

    private static double[] gradient(MlmModel model, MlmBatch batch, double[][] targets) {
        try (PointerScope s = new PointerScope()) {
            model.zeroGrad();
            Algorithm.EXACT_MEAN.loss(model, batch, targets, null).backward();
            return flatGrad(model);
        }
    }

    private static double[] flatGrad(MlmModel model) {
        List<double[]> parts = new ArrayList<>();
        int n = 0;
        for (Tensor t : model.namedParameters().values()) {
            double[] g = Torch.toDoubles(t.grad());
            parts.add(g);
            n += g.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (double[] g : parts) {
            System.arraycopy(g, 0, out, at, g.length);
            at += g.length;
        }
        return out;
    }

    /** Σ_j of the unbiased sample variance of coordinate j. */
    private static double traceOfCovariance(List<double[]> gs) {
        int n = gs.get(0).length;
        double[] mean = new double[n];
        for (double[] g : gs) for (int j = 0; j < n; j++) mean[j] += g[j] / gs.size();
        double sum = 0;
        for (double[] g : gs) for (int j = 0; j < n; j++) sum += (g[j] - mean[j]) * (g[j] - mean[j]);
        return sum / (gs.size() - 1);
    }

    /** labelsPerContext exact is the exact-target code path: the same model bytes after 20 steps; a finite k is not. */
    @Test
    void theExactArmIsBitForBitExactTargetTraining(@TempDir Path tmp) throws Exception {
        TrainConfig exact = TrainerTest.tiny(20);
        exact.algorithm = "exact-target";
        TrainConfig arm = TrainerTest.tiny(20);
        arm.algorithm = "sampled-labels";
        arm.labelsPerContext = TrainConfig.LabelsPerContext.exactTargets();
        TrainConfig k64 = TrainerTest.tiny(20);
        k64.algorithm = "sampled-labels";
        k64.labelsPerContext = TrainConfig.LabelsPerContext.of(64);
        for (var e : java.util.Map.of("exact-target", exact, "arm", arm, "k64", k64).entrySet())
            Trainer.start(e.getValue().validate(), tmp.resolve(e.getKey())).run(0, null);
        String model = "checkpoints/step-0000020/model.safetensors";
        byte[] reference = Files.readAllBytes(tmp.resolve("exact-target").resolve(model));
        assertArrayEquals(reference, Files.readAllBytes(tmp.resolve("arm").resolve(model)));
        assertFalse(java.util.Arrays.equals(reference, Files.readAllBytes(tmp.resolve("k64").resolve(model))),
            "k 64 draws labels: other bytes");
        assertEquals(Double.POSITIVE_INFINITY, arm.labelsPerContextK());
        assertEquals(Double.POSITIVE_INFINITY, exact.labelsPerContextK());
        assertEquals(64.0, k64.labelsPerContextK());
        assertEquals(1.0, TrainerTest.tiny(1).labelsPerContextK());
    }

    /** Batch t's labels depend only on (seed, t): a stopped and resumed k = 4 run ends in the uninterrupted run's bytes. */
    @Test
    void aResumedSampledLabelsRunMatchesTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        TrainConfig c = TrainerTest.tiny(40);
        c.algorithm = "sampled-labels";
        c.labelsPerContext = TrainConfig.LabelsPerContext.of(4);
        c.validate();
        Trainer.start(c, tmp.resolve("full")).run(0, null);
        Trainer.start(c, tmp.resolve("split")).run(20, null);
        Trainer.resume(tmp.resolve("split")).run(0, null);
        String model = "checkpoints/step-0000040/model.safetensors";
        assertArrayEquals(Files.readAllBytes(tmp.resolve("full").resolve(model)), Files.readAllBytes(tmp.resolve("split").resolve(model)));
        List<com.fasterxml.jackson.databind.JsonNode> m = TrainerTest.metrics(tmp.resolve("full"));
        double first = m.get(0).get("kl").asDouble(), last = m.get(m.size() - 1).get("kl").asDouble();
        assertTrue(last < 0.5 * first, "sampled-labels k 4 learns: KL " + first + " -> " + last);
    }

    @Test
    void badSettingsAreOneLineErrorsAndOtherRunsKeepTheirKeys() {
        record Case(String algorithm, TrainConfig.LabelsPerContext k, String masking, String says) {}
        for (Case c : List.of(
            new Case("sampled-labels", null, "single", "is needed by algorithm sampled-labels"),
            new Case("sam-sampled-labels", null, "single", "is needed by algorithm sam-sampled-labels"),
            new Case("sampled-labels", TrainConfig.LabelsPerContext.of(0), "single", "must be a whole number >= 1 or exact, got 0"),
            new Case("sampled-labels", TrainConfig.LabelsPerContext.of(-3), "single", "got -3"),
            new Case("exact-target", TrainConfig.LabelsPerContext.of(4), "single", "applies only to the sampled-labels algorithms"),
            new Case("standard", TrainConfig.LabelsPerContext.exactTargets(), "single", "not to standard"),
            new Case("sampled-labels", TrainConfig.LabelsPerContext.of(4), "bert", "needs data.masking single"))) {
            TrainConfig cfg = new TrainConfig();
            cfg.algorithm = c.algorithm;
            cfg.labelsPerContext = c.k;
            cfg.data.masking = c.masking;
            BadInputException e = assertThrows(BadInputException.class, cfg::validate, c.toString());
            assertTrue(e.getMessage().contains(c.says) && !e.getMessage().contains("\n"), e.getMessage());
        }
        // from a config text: a word other than exact, a fraction
        for (String bad : List.of("many", "2.5")) {
            var tree = (com.fasterxml.jackson.databind.node.ObjectNode) Configs.toTree(new TrainConfig());
            Configs.override(tree, java.util.Map.of("algorithm", "sampled-labels", "labels-per-context", bad));
            BadInputException e = assertThrows(BadInputException.class, () -> Configs.bind(tree, TrainConfig.class, "flags").validate());
            assertTrue(e.getMessage().contains("labelsPerContext") && e.getMessage().contains(bad), e.getMessage());
        }
        for (String good : List.of("16", "exact", "1e2")) {
            var tree = (com.fasterxml.jackson.databind.node.ObjectNode) Configs.toTree(new TrainConfig());
            Configs.override(tree, java.util.Map.of("algorithm", "sampled-labels", "labels-per-context", good));
            TrainConfig cfg = Configs.bind(tree, TrainConfig.class, "flags").validate();
            String yaml = Configs.toYaml(cfg);
            assertTrue(yaml.contains("labelsPerContext: " + (good.equals("1e2") ? "100" : good) + "\n"), yaml);
            assertEquals(yaml, Configs.toYaml(Configs.bind(Configs.toTree(cfg), TrainConfig.class, "stored")), "round trip");
        }
        assertFalse(Configs.toYaml(new TrainConfig()).contains("labelsPerContext"), "runs without the dial keep their keys");
        assertEquals(TrainConfig.LabelsPerContext.of(16), TrainConfig.LabelsPerContext.of(16));
        assertFalse(TrainConfig.LabelsPerContext.of(16).equals(TrainConfig.LabelsPerContext.exactTargets()));
    }
}
