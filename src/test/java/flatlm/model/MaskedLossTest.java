package flatlm.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one masked loss against a hand-computed double loss, both labels, both weightings. */
class MaskedLossTest {
    static final int V = 7;
    static final int[][] SENTENCES = {{0, 1, 2}, {3, 4, 5, 6, 0, 1}, {2, 2}};
    static final int[][] MASKS = {{1}, {0, 4, 5}, {0}};

    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    static ModelConfig config(ModelConfig.DType dtype) {
        return new ModelConfig(V, 6, 8, 2, 2, 12, true, 0.0, dtype);
    }

    /** Random distributions over V words, one per prediction. */
    static double[][] truth(int m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] p = new double[m][V];
        for (double[] row : p) {
            double sum = 0;
            for (int v = 0; v < V; v++) sum += row[v] = rng.nextDouble() + (v == 0 ? 0 : 0.1);
            for (int v = 0; v < V; v++) row[v] /= sum;
        }
        return p;
    }

    @Test
    void bothLabelsAndBothWeightingsAreTheHandComputedLoss() {
        MlmTransformer model = new MlmTransformer(config(ModelConfig.DType.FLOAT64), 3);
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch batch = MlmBatch.multiMask(SENTENCES, MASKS);
            int m = batch.predictions();
            assertEquals(5, m);
            double[] logq = Torch.toDoubles(model.logProbs(batch));
            long[] targets = Torch.toLongs(batch.targets());
            double[][] p = truth(m, 11);
            double[] w = {1.0, 0.1, 0.2, 0.05, 0.15}; // not summing to 1, so the weighting shows
            double meanExact = 0, meanData = 0, foldedExact = 0, foldedData = 0, uniformExact = 0;
            for (int c = 0; c < m; c++) {
                double ce = 0;
                for (int v = 0; v < V; v++) ce -= p[c][v] * logq[c * V + v];
                double nll = -logq[c * V + (int) targets[c]];
                meanExact += ce / m;
                meanData += nll / m;
                foldedExact += w[c] * ce;
                foldedData += w[c] * nll;
                uniformExact += ce / m;
            }
            MaskedLoss.Labels exact = MaskedLoss.Labels.EXACT, data = MaskedLoss.Labels.DATA;
            MaskedLoss.Weighting mean = MaskedLoss.Weighting.MEAN, folded = MaskedLoss.Weighting.FOLDED;
            assertEquals(meanExact, MaskedLoss.of(exact, mean).loss(model, batch, p, null).item_double(), 1e-12);
            assertEquals(meanData, MaskedLoss.of(data, mean).loss(model, batch, null, null).item_double(), 1e-12);
            assertEquals(foldedExact, MaskedLoss.of(exact, folded).loss(model, batch, p, w).item_double(), 1e-12);
            assertEquals(foldedData, MaskedLoss.of(data, folded).loss(model, batch, null, w).item_double(), 1e-12);
            assertEquals(uniformExact, MaskedLoss.of(exact, folded).loss(model, batch, p, null).item_double(), 1e-12,
                "folded without weights = 1/M each");
            assertEquals(meanData, model.loss(batch).item_double(), 1e-12, "the standard MLM loss is the data-label mean");
            assertTrue(Math.abs(foldedExact - meanExact) > 1e-3, "the weights matter here, so the test can fail");
            assertTrue(Math.abs(meanData - meanExact) > 1e-3, "the labels matter here, so the test can fail");
        }
    }

    /** Each weighting keeps its caller's float arithmetic: the bytes of runs and Tr(H) must not move. */
    @Test
    void eachWeightingKeepsItsFloatingPointOrderBitForBit() {
        MlmTransformer model = new MlmTransformer(config(ModelConfig.DType.FLOAT32), 5);
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch batch = MlmBatch.multiMask(SENTENCES, MASKS);
            int m = batch.predictions();
            double[][] p = truth(m, 4);
            double[] w = {0.3, 0.1, 0.2, 0.25, 0.15};
            Tensor logq = model.logProbs(batch);
            double[] flat = new double[m * V], foldedTarget = new double[m * V];
            for (int c = 0; c < m; c++) {
                for (int v = 0; v < V; v++) {
                    flat[c * V + v] = p[c][v];
                    foldedTarget[c * V + v] = w[c] * p[c][v];
                }
            }
            torch.ScalarType f = torch.ScalarType.Float;
            // the pre-training exact-target loss as it was written: Σ logq·p, negated, divided by M
            double mean = logq.mul(Torch.floatingTensor(flat, f, m, V)).sum().neg().div(Torch.scalar(m)).item_double();
            // Tr(H)'s loss as it was written: the weights folded into the target, then one sum
            double folded = logq.mul(Torch.floatingTensor(foldedTarget, f, m, V)).sum().neg().item_double();
            MaskedLoss.Labels exact = MaskedLoss.Labels.EXACT;
            assertEquals(mean, MaskedLoss.of(exact, MaskedLoss.Weighting.MEAN).loss(logq, batch, p, null).item_double(), 0.0);
            assertEquals(folded, MaskedLoss.of(exact, MaskedLoss.Weighting.FOLDED).loss(logq, batch, p, w).item_double(), 0.0);
        }
    }

    @Test
    void wrongLabelsOrWeightsAreRefused() {
        MlmTransformer model = new MlmTransformer(config(ModelConfig.DType.FLOAT64), 3);
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch batch = MlmBatch.multiMask(SENTENCES, MASKS);
            MaskedLoss exactMean = MaskedLoss.of(MaskedLoss.Labels.EXACT, MaskedLoss.Weighting.MEAN);
            MaskedLoss exactFolded = MaskedLoss.of(MaskedLoss.Labels.EXACT, MaskedLoss.Weighting.FOLDED);
            assertThrows(IllegalArgumentException.class, () -> exactMean.loss(model, batch, truth(5, 1), new double[5]));
            assertThrows(IllegalArgumentException.class, () -> exactMean.loss(model, batch, truth(4, 1), null));
            assertThrows(IllegalArgumentException.class, () -> exactFolded.loss(model, batch, truth(5, 1), new double[3]));
            double[][] missing = truth(5, 1);
            missing[2] = null;
            assertThrows(IllegalStateException.class, () -> exactFolded.loss(model, batch, missing, null));
        }
    }
}
