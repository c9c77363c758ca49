package flatlm.train;

import com.fasterxml.jackson.databind.JsonNode;
import flatlm.lang.Language;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdversarialTest {
    /** The closed form against conjugate gradients on (K + λI) α = Y_s, all in doubles. */
    @Test
    void closedFormRidgeHeadEqualsAnIterativeLeastSquaresSolve() {
        SplittableRandom rng = new SplittableRandom(2);
        int n = 16, dim = 5, classes = 3;
        double ridge = 1e-3;
        double[][] f = new double[n][dim];
        int[] labels = new int[n];
        double[] flat = new double[n * dim];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(classes);
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                f[i][j] = rng.nextGaussian() + (j == labels[i] ? 2 : 0);
                flat[i * dim + j] = f[i][j];
                norm += f[i][j] * f[i][j];
            }
            for (int j = 0; j < dim; j++) f[i][j] /= Math.sqrt(norm);
        }
        double got;
        try (PointerScope s = new PointerScope()) {
            got = AdversarialMetaLoss.kernelRidge(Torch.floatingTensor(flat, torch.ScalarType.Double, n, dim), labels, classes, ridge)
                .item_double();
        }
        int sup = AdversarialMetaLoss.supportSize(n);
        assertEquals(14, sup);
        double[][] k = new double[sup][sup];
        for (int a = 0; a < sup; a++) {
            for (int b = 0; b < sup; b++) k[a][b] = dot(f[a], f[b]) + (a == b ? ridge : 0);
        }
        double expected = 0;
        for (int c = 0; c < classes; c++) {
            double[] y = new double[sup];
            for (int a = 0; a < sup; a++) y[a] = (labels[a] == c ? 1 : 0) - 1.0 / classes;
            double[] alpha = conjugateGradient(k, y);
            for (int q = sup; q < n; q++) {
                double pred = 0;
                for (int a = 0; a < sup; a++) pred += dot(f[q], f[a]) * alpha[a];
                double target = (labels[q] == c ? 1 : 0) - 1.0 / classes;
                expected += (pred - target) * (pred - target);
            }
        }
        expected /= n - sup;
        assertEquals(expected, got, 1e-8 * Math.max(1, expected));
    }

    @Test
    void metaLossGradientMatchesFiniteDifferences() throws Exception {
        TrainConfig cfg = TrainerTest.tiny(1);
        Language lang = cfg.language.build();
        ModelConfig mc = Trainer.modelConfig(cfg, lang).withDtype(ModelConfig.DType.FLOAT64);
        MlmTransformer model = new MlmTransformer(mc, 11);
        cfg.adversarial.task = "hmm:3";
        cfg.adversarial.batch = 24;
        Adversarial adv = new Adversarial(Algorithm.standard(), lang, cfg.adversarial, 1);
        List<String> names = List.of("embeddings.tokens.weight", "blocks.0.attn.query.weight", "blocks.0.mlp.fc1.weight",
            "final_norm.weight");
        try (PointerScope s = new PointerScope()) {
            model.zeroGrad();
            adv.metaLoss().of(model, new SplittableRandom(9)).backward();
            for (String name : names) {
                Tensor p = model.namedParameters().get(name);
                double[] grad = Torch.toDoubles(p.grad());
                for (long idx : new long[] {0, grad.length / 2, grad.length - 1}) {
                    double h = 1e-6;
                    double fd = (perturbed(model, adv, p, idx, h) - perturbed(model, adv, p, idx, -h)) / (2 * h);
                    assertEquals(fd, grad[(int) idx], 1e-6 * Math.max(1, Math.abs(fd)), name + "[" + idx + "]");
                }
            }
        }
    }

    private static double perturbed(MlmTransformer model, Adversarial adv, Tensor p, long idx, double h) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor flat = p.view(-1);
            flat.narrow(0, idx, 1).add_(Torch.scalar(h));
            double v = adv.metaLoss().of(model, new SplittableRandom(9)).item_double();
            flat.narrow(0, idx, 1).sub_(Torch.scalar(h));
            return v;
        }
    }

    @Test
    void adversarialRunStillLearnsTheMlmTask(@TempDir Path tmp) throws Exception {
        TrainConfig c = TrainerTest.tiny(40);
        c.algorithm = "adversarial";
        c.adversarial.task = "hmm:3";
        c.adversarial.batch = 32;
        Trainer.start(c, tmp.resolve("adv")).run(0, null);
        List<JsonNode> m = TrainerTest.metrics(tmp.resolve("adv"));
        double first = m.get(0).get("kl").asDouble();
        double last = m.get(m.size() - 1).get("kl").asDouble();
        assertTrue(last < 0.6 * first, "KL " + first + " -> " + last);
    }

    /** adversarial-exact-target is exact-target training minus λ·meta-loss: with λ = 0 the same gradients, with λ > 0 others. */
    @Test
    void adversarialExactTargetWrapsTheExactTargetLoss() throws Exception {
        TrainConfig cfg = TrainerTest.tiny(1);
        cfg.adversarial.task = "hmm:3";
        cfg.adversarial.batch = 24;
        Language lang = cfg.language.build();
        ModelConfig mc = Trainer.modelConfig(cfg, lang).withDtype(ModelConfig.DType.FLOAT64);
        int[][] sentences = new int[16][];
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < sentences.length; i++) sentences[i] = lang.sample(rng).words();
        cfg.algorithm = "exact-target";
        double[] exact = gradient(cfg, lang, mc, sentences);
        cfg.algorithm = "adversarial-exact-target";
        cfg.adversarial.lambda = 0;
        double[] wrapped = gradient(cfg, lang, mc, sentences);
        for (int i = 0; i < exact.length; i++) assertEquals(exact[i], wrapped[i], 1e-12);
        cfg.adversarial.lambda = 1;
        double[] adv = gradient(cfg, lang, mc, sentences);
        double diff = 0;
        for (int i = 0; i < exact.length; i++) diff = Math.max(diff, Math.abs(exact[i] - adv[i]));
        assertTrue(diff > 1e-6, "the meta-loss changed nothing: " + diff);
        cfg.algorithm = "standard";
        double[] standard = gradient(cfg, lang, mc, sentences);
        double fromStandard = 0;
        for (int i = 0; i < exact.length; i++) fromStandard = Math.max(fromStandard, Math.abs(exact[i] - standard[i]));
        assertTrue(fromStandard > 1e-6, "exact targets and sampled tokens gave the same gradient");
    }

    private static double[] gradient(TrainConfig cfg, Language lang, ModelConfig mc, int[][] sentences) {
        MlmTransformer model = new MlmTransformer(mc, 11);
        Algorithm alg = Algorithm.of(cfg.validate(), lang);
        try (PointerScope s = new PointerScope()) {
            model.zeroGrad();
            var batch = new Masking("single", lang.vocabulary().size()).batch(sentences, new SplittableRandom(3));
            alg.gradients(model, new Algorithm.Step(sentences, batch, 0));
            return Torch.toDoubles(model.namedParameters().get("blocks.0.mlp.fc1.weight").grad());
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] conjugateGradient(double[][] a, double[] b) {
        int n = b.length;
        double[] x = new double[n], r = b.clone(), p = b.clone();
        double rr = dot(r, r);
        for (int it = 0; it < 10 * n && rr > 1e-30; it++) {
            double[] ap = new double[n];
            for (int i = 0; i < n; i++) ap[i] = dot(a[i], p);
            double alpha = rr / dot(p, ap);
            for (int i = 0; i < n; i++) {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
            }
            double rrNew = dot(r, r);
            for (int i = 0; i < n; i++) p[i] = r[i] + rrNew / rr * p[i];
            rr = rrNew;
        }
        return x;
    }
}
