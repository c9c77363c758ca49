package flatlm.flatness;

import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.stats.RunningStats;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The paper's Fisher estimator of Tr(H) (App. B.1): {@code F = E_x E_{y~q_θ(·|x)} ||∇θ log q_θ(y|x)||²},
 * the trace of the Fisher information of the model's own predictive distribution, equal to Tr(H)
 * at a saturated model (q_θ = p*, the paper's Lemma 4.2). See {@link TraceEstimators}.
 */
public final class FisherEstimator {
    private FisherEstimator() {}

    /**
     * The reference Fisher estimator: for each sample, a context x from {@code source}, y drawn
     * from the model's prediction at the mask, and {@code ||∇θ log q_θ(y|x)||²} by one backward
     * pass on a batch of one.
     */
    public static Estimate perSample(MlmModel model, ContextSource source, ParameterSelection selection,
                                     Budget budget, RandomGenerator rng, Progress progress) {
        return fisher(model, source, selection, 1, budget, rng, progress, "fisher-per-sample");
    }

    /**
     * The batched Fisher estimator: per batch, B contexts x_b with y_b ~ q_θ(·|x_b) and independent
     * Rademacher signs ε_b, one backward pass of {@code s = Σ_b ε_b log q_θ(y_b|x_b)}, and the value
     * {@code ||∇θ s||² / B}.
     *
     * <p>Why it is unbiased: with g_b = ∇θ log q_θ(y_b|x_b),
     * {@code ||Σ_b ε_b g_b||² = Σ_b ε_b² ||g_b||² + Σ_{b≠c} ε_b ε_c g_b·g_c}. ε_b² = 1, and for b ≠ c
     * the signs are independent of each other and of the g's with mean 0, so
     * {@code E[ε_b ε_c g_b·g_c] = E[ε_b] E[ε_c] E[g_b·g_c] = 0}: the cross terms vanish in expectation
     * and {@code E||∇s||² = Σ_b E||g_b||² = B·F}, hence the division by B. (Without the signs the
     * cross terms would vanish in expectation too, because a score has mean zero,
     * {@code E_{y~q} ∇ log q(y|x) = ∇ Σ_y q(y|x) = 0}, but only when y is drawn from the model
     * exactly; with the signs they vanish conditionally on every (x, y), whatever the labels.)
     * The cross terms add variance {@code 4 Σ_{b<c} (g_b·g_c)² / B²} per batch, small when the
     * per-sample gradients are nearly orthogonal, so one backward pass on B contexts is worth
     * nearly B per-sample passes. Each batch is one i.i.d. sample; the standard error is
     * over batches.
     */
    public static Estimate batched(MlmModel model, ContextSource source, ParameterSelection selection, int batch,
                                   Budget budget, RandomGenerator rng, Progress progress) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        return fisher(model, source, selection, batch, budget, rng, progress, "fisher");
    }

    private static Estimate fisher(MlmModel model, ContextSource source, ParameterSelection selection, int batch,
                                   Budget budget, RandomGenerator rng, Progress progress, String name) {
        boolean training = model.isTraining();
        model.setTraining(false);
        try {
            Params params = new Params(model, selection);
            int v = model.vocabWords();
            TraceEstimators.Sampled run = TraceEstimators.sample(budget, progress, () -> {
                List<MaskedContext> contexts = source.draw(batch, rng, false);
                try (PointerScope s = new PointerScope()) {
                    Tensor logq = model.logProbs(Params.batch(contexts));
                    double[] lq = Torch.toDoubles(logq);
                    long[] y = new long[batch];
                    double[] eps = new double[batch];
                    for (int b = 0; b < batch; b++) {
                        y[b] = sampleFromLog(lq, b * v, v, rng);
                        eps[b] = batch == 1 || rng.nextBoolean() ? 1.0 : -1.0;
                    }
                    Tensor picked = logq.gather(1, Torch.longTensor(y, batch, 1).to(logq.device(), torch.ScalarType.Long)).view(batch);
                    Tensor signed = picked.mul(Torch.floatingTensor(eps, Torch.scalarType(logq), batch).to(logq.device(), Torch.scalarType(logq))).sum();
                    return params.squaredNorm(params.grad(signed, false)).item_double() / batch;
                }
            });
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("batch", batch);
            details.put("labels", "model");
            details.put("excluded", selection.excluded());
            RunningStats stats = run.stats();
            return new Estimate(name, stats.mean(), stats.stderr(), stats.count(), stats.count() * batch, stats.count(),
                run.seconds(), run.stop(), params.size(), details);
        } finally {
            model.setTraining(training);
        }
    }

    /** Draws an index from log-probabilities {@code lq[off..off+v)} (renormalised). */
    static int sampleFromLog(double[] lq, int off, int v, RandomGenerator rng) {
        double total = 0;
        for (int j = 0; j < v; j++) total += Math.exp(lq[off + j]);
        double u = rng.nextDouble() * total;
        double c = 0;
        for (int j = 0; j < v; j++) {
            c += Math.exp(lq[off + j]);
            if (u < c) return j;
        }
        for (int j = v - 1; j >= 0; j--) if (lq[off + j] > Double.NEGATIVE_INFINITY) return j;
        return v - 1;
    }
}
