package flatlm.train;

import flatlm.model.Optimizer;
import com.fasterxml.jackson.databind.JsonNode;
import flatlm.lang.Language;
import flatlm.model.MlmBatch;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlgorithmsTest {
    private static final double[] C = {1.0, 4.0, 0.25};

    /** L(θ) = Σ c_j θ_j² / 2, gradient c ⊙ θ, accumulated into θ.grad. */
    private static double quadratic(Tensor theta) {
        Tensor c = Torch.floatingTensor(C, torch.ScalarType.Double, 3);
        Tensor loss = theta.mul(theta).mul(c).sum().div(new Scalar(2.0));
        loss.backward();
        return loss.item_double();
    }

    @Test
    void samPerturbsByRhoAndReturnsTheGradientThere() {
        try (PointerScope s = new PointerScope()) {
            double[] th0 = {1.0, -1.0, 2.0};
            Tensor theta = Torch.floatingTensor(th0.clone(), torch.ScalarType.Double, 3);
            theta.requires_grad_(true);
            double rho = 0.3;
            double[] perturbation = new double[1];
            int[] calls = {0};
            double loss = Sam.sharpnessAware(List.of(theta), () -> {
                if (calls[0]++ == 1) {
                    double[] now = Torch.toDoubles(theta.detach());
                    double sq = 0;
                    for (int j = 0; j < 3; j++) sq += (now[j] - th0[j]) * (now[j] - th0[j]);
                    perturbation[0] = Math.sqrt(sq);
                }
                return quadratic(theta);
            }, () -> theta.mutable_grad().put(new Tensor()), rho);
            assertEquals(rho, perturbation[0], 1e-12, "the ascent step has norm rho");
            // by hand: g = c θ, ε = ρ g/‖g‖, SAM gradient = c (θ + ε); θ restored
            double[] g = new double[3];
            double norm = 0;
            for (int j = 0; j < 3; j++) {
                g[j] = C[j] * th0[j];
                norm += g[j] * g[j];
            }
            norm = Math.sqrt(norm);
            double[] got = Torch.toDoubles(theta.grad());
            double expectedLoss = 0;
            for (int j = 0; j < 3; j++) {
                assertEquals(C[j] * (th0[j] + rho * g[j] / norm), got[j], 1e-12);
                expectedLoss += C[j] * th0[j] * th0[j] / 2;
            }
            assertEquals(expectedLoss, loss, 1e-12, "returns the unperturbed loss");
            assertEquals(List.of(1.0, -1.0, 2.0), java.util.Arrays.stream(Torch.toDoubles(theta.detach())).boxed().toList());
            // one SGD step from θ with the SAM gradient, as the trainer then does
            java.util.LinkedHashMap<String, Tensor> params = new java.util.LinkedHashMap<>();
            params.put("theta", theta);
            new Optimizer.Sgd(params, 0, 0).step(0.1);
            double[] after = Torch.toDoubles(theta.detach());
            for (int j = 0; j < 3; j++) assertEquals(th0[j] - 0.1 * got[j], after[j], 1e-12);
        }
    }

    @Test
    void exactTargetLossIsTheCrossEntropyAgainstTheTrueConditionals() throws Exception {
        TrainConfig cfg = TrainerTest.tiny(1);
        Language lang = cfg.language.build();
        ModelConfig mc = Trainer.modelConfig(cfg, lang).withDtype(ModelConfig.DType.FLOAT64);
        MlmTransformer model = new MlmTransformer(mc, 3);
        SplittableRandom rng = new SplittableRandom(5);
        int[][] sentences = new int[4][];
        for (int b = 0; b < 4; b++) sentences[b] = lang.sample(rng).words();
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch batch = new Masking("bert", lang.vocabulary().size()).batch(sentences, rng);
            Algorithm.Step step = new Algorithm.Step(sentences, batch, 0);
            double got = Algorithm.exactTargetLoss(model, step, lang).item_double();
            double[] logq = Torch.toDoubles(model.logProbs(batch));
            int v = lang.vocabulary().size();
            double expected = 0;
            int k = 0;
            for (int b = 0; b < 4; b++) {
                double[][] cond = lang.conditionals(sentences[b]);
                for (int pos : batch.wordPositions()[b]) {
                    for (int w = 0; w < v; w++) expected -= cond[pos][w] * logq[k * v + w];
                    k++;
                }
            }
            assertEquals(expected / k, got, 1e-12);
        }
    }

    @Test
    void exactTargetAndSamRunsLearn(@TempDir Path tmp) throws Exception {
        for (String algorithm : List.of("exact-target", "sam")) {
            TrainConfig c = TrainerTest.tiny(40);
            c.algorithm = algorithm;
            Path run = tmp.resolve(algorithm);
            Trainer.start(c, run).run(0, null);
            List<JsonNode> m = TrainerTest.metrics(run);
            double first = m.get(0).get("kl").asDouble();
            double last = m.get(m.size() - 1).get("kl").asDouble();
            assertTrue(last < 0.5 * first, algorithm + ": KL " + first + " -> " + last);
        }
    }
}
