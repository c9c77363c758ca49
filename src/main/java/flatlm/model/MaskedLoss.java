package flatlm.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The masked-LM loss of a batch's M predictions with explicit labels and explicit weights:
 * {@code L = Σ_m w_m ℓ_m}, where with {@code q_m} the model's distribution at prediction m
 * <ul>
 *   <li>{@link Labels#EXACT}: {@code ℓ_m = −Σ_v p*(v | x_-i) log q_m(v)}, the cross-entropy
 *       against the exact conditional (no label noise);</li>
 *   <li>{@link Labels#DATA}: {@code ℓ_m = −log q_m(x_m)}, the data token ({@code batch.targets()}).</li>
 * </ul>
 * and the weights {@code w_m} one of
 * <ul>
 *   <li>{@link Weighting#MEAN}: {@code w_m = 1/M}, computed as the sum divided by M once
 *       ({@code −(Σ_m Σ_v p·log q)/M}; data labels: {@code nll_loss}'s mean). The pre-training
 *       losses (standard and exact-target) use it;</li>
 *   <li>{@link Weighting#FOLDED}: given weights (null = 1/M each) multiplied into the labels before
 *       the one sum ({@code −Σ_m Σ_v (w_m p_mv) log q_mv}, {@code −Σ_m w_m log q_m(x_m)}). The
 *       loss of Tr(H) uses it (each sentence 1, its positions 1/|x|: the single-mask weighting).</li>
 * </ul>
 * Both weightings give the same number up to rounding when the weights are 1/M; each keeps its
 * own floating-point order, so the bytes of training runs and Tr(H) estimates do not depend on
 * which caller is asked. Allocates tensors: call inside a {@code PointerScope}.
 */
public final class MaskedLoss {
    /** What each prediction is scored against. */
    public enum Labels { EXACT, DATA }

    /** How the predictions are weighted (and in which order the arithmetic runs). */
    public enum Weighting { MEAN, FOLDED }

    private final Labels labels;
    private final Weighting weighting;

    private MaskedLoss(Labels labels, Weighting weighting) {
        this.labels = labels;
        this.weighting = weighting;
    }

    public static MaskedLoss of(Labels labels, Weighting weighting) {
        return new MaskedLoss(labels, weighting);
    }

    public Labels labels() {
        return labels;
    }

    public Weighting weighting() {
        return weighting;
    }

    /** The loss of {@code model} on {@code batch}: {@link #loss(Tensor, MlmBatch, double[][], double[])} of its log-probabilities. */
    public Tensor loss(MlmModel model, MlmBatch batch, double[][] truth, double[] weights) {
        return loss(model.logProbs(batch), batch, truth, weights);
    }

    /**
     * The loss of the log-probabilities {@code logq [M,V]} of {@code batch}'s predictions.
     * {@code truth[m]} = p*(·) of prediction m, over the V words (EXACT; ignored, may be null, for
     * DATA); {@code weights[m]} = w_m (FOLDED; null = 1/M; must be null for MEAN).
     */
    public Tensor loss(Tensor logq, MlmBatch batch, double[][] truth, double[] weights) {
        int m = (int) logq.size(0);
        int v = (int) logq.size(1);
        if (weights != null && weighting == Weighting.MEAN)
            throw new IllegalArgumentException("the mean weighting takes no weights");
        if (weights != null && weights.length != m)
            throw new IllegalArgumentException(weights.length + " weights for " + m + " predictions");
        torch.ScalarType type = Torch.scalarType(logq);
        if (labels == Labels.DATA) {
            Tensor targets = batch.targets().to(logq.device(), torch.ScalarType.Long);
            if (weighting == Weighting.MEAN) return torch.nll_loss(logq, targets);
            double[] w = new double[m];
            for (int c = 0; c < m; c++) w[c] = weight(weights, c, m);
            Tensor picked = logq.gather(1, targets.view(m, 1)).view(m);
            return picked.mul(Torch.floatingTensor(w, type, m).to(logq.device(), type)).sum().neg();
        }
        if (truth == null || truth.length != m)
            throw new IllegalArgumentException((truth == null ? 0 : truth.length) + " exact conditionals for " + m + " predictions");
        double[] target = new double[m * v];
        for (int c = 0; c < m; c++) {
            double[] p = truth[c];
            if (p == null) throw new IllegalStateException("prediction " + c + " has no exact conditional");
            if (p.length != v) throw new IllegalArgumentException("conditional over " + p.length + " words, model has " + v);
            if (weighting == Weighting.MEAN) {
                System.arraycopy(p, 0, target, c * v, v);
            } else {
                double w = weight(weights, c, m);
                for (int j = 0; j < v; j++) target[c * v + j] = w * p[j];
            }
        }
        Tensor sum = logq.mul(Torch.floatingTensor(target, type, m, v).to(logq.device(), type)).sum().neg();
        return weighting == Weighting.MEAN ? sum.div(Torch.scalar(m)) : sum;
    }

    private static double weight(double[] weights, int c, int m) {
        return weights == null ? 1.0 / m : weights[c];
    }
}
