package flatlm.flatness;

import flatlm.model.MlmModel;
import flatlm.model.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Unbiased estimators of the trace of the Hessian of the single-mask pre-training loss
 * {@code L(θ) = E_x E_i [ℓ(θ; x, i)]} (SPEC.md section 4), each with a standard error and an
 * adaptive stop ({@link Budget}).
 *
 * <ul>
 * <li><b>Fisher</b> (the paper's App. B.1): {@code F = E_x E_{y~q_θ(·|x)} ||∇θ log q_θ(y|x)||²}, the
 * trace of the Fisher information of the model's own predictive distribution. At a saturated
 * model (q_θ = p*) it equals Tr(H) (Bartlett identity, the paper's Lemma 4.2); elsewhere
 * {@code Tr(H) − F = E_x Σ_v (q_v − p*_v) Tr ∇² log q_v}. Two forms: {@link #fisherPerSample}
 * (the reference loop, one backward pass per (x, y)) and {@link #fisherBatched} (one backward
 * pass per batch of B contexts).</li>
 * <li><b>Hutchinson</b> ({@link #hutchinson}): {@code E_v[vᵀ H_B v] = Tr(H_B)} for Rademacher v, with
 * H_B the Hessian of the loss of a fresh batch of contexts ({@code E_B H_B = H}), by double
 * back-propagation; on the exact expected loss (no label noise) or on the data labels.</li>
 * </ul>
 *
 * The model is put in evaluation mode (no dropout) while measuring and restored afterwards.
 */
public final class TraceEstimators {
    private TraceEstimators() {}

    /**
     * The reference Fisher estimator: for each sample, a context x from {@code source}, y drawn
     * from the model's prediction at the mask, and {@code ||∇θ log q_θ(y|x)||²} by one backward
     * pass on a batch of one.
     */
    public static Estimate fisherPerSample(MlmModel model, ContextSource source, ParameterSelection selection,
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
    public static Estimate fisherBatched(MlmModel model, ContextSource source, ParameterSelection selection, int batch,
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
            RunningStats stats = new RunningStats();
            long start = System.nanoTime();
            int v = model.vocabWords();
            String stop;
            while (true) {
                List<MaskedContext> contexts = source.draw(batch, rng, false);
                double value;
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
                    value = params.squaredNorm(params.grad(signed, false)).item_double() / batch;
                }
                stats.add(value);
                progress.update(stats.count(), stats.mean(), stats.stderr());
                stop = budget.stopReason(stats.count(), stats.mean(), stats.stderr(), seconds(start));
                if (stop != null) break;
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("batch", batch);
            details.put("labels", "model");
            details.put("excluded", selection.excluded());
            return new Estimate(name, stats.mean(), stats.stderr(), stats.count(), stats.count() * batch, stats.count(),
                seconds(start), stop, params.size(), details);
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

    /**
     * Hutchinson's estimator: per probe, a fresh batch of {@code batch} contexts, a Rademacher
     * vector v (independent ±1 per parameter), and {@code vᵀ H_B v} by double back-propagation,
     * H_B being the Hessian of the batch's mean loss under {@code labels}. Unbiased for Tr(H):
     * {@code E_v[vᵀ A v] = Tr(A)} for any fixed A since E[v vᵀ] = I, and {@code E_B[H_B] = H}.
     */
    public static Estimate hutchinson(MlmModel model, ContextSource source, Labels labels, ParameterSelection selection,
                                      int batch, Budget budget, RandomGenerator rng, Progress progress) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (labels == Labels.EXACT && !source.hasTruth())
            throw new IllegalStateException("exact labels need the language's exact conditionals");
        boolean training = model.isTraining();
        model.setTraining(false);
        try {
            Params params = new Params(model, selection);
            RunningStats stats = new RunningStats();
            long start = System.nanoTime();
            String stop;
            while (true) {
                List<MaskedContext> contexts = source.draw(batch, rng, labels == Labels.EXACT);
                double value;
                try (PointerScope s = new PointerScope()) {
                    Tensor v = params.rademacher(rng);
                    Tensor hv = params.hvp(Params.loss(model, contexts, null, labels), v);
                    value = hv.dot(v).item_double();
                }
                stats.add(value);
                progress.update(stats.count(), stats.mean(), stats.stderr());
                stop = budget.stopReason(stats.count(), stats.mean(), stats.stderr(), seconds(start));
                if (stop != null) break;
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("batch", batch);
            details.put("labels", labels.cliName());
            details.put("excluded", selection.excluded());
            return new Estimate("hutchinson", stats.mean(), stats.stderr(), stats.count(), stats.count() * batch,
                stats.count(), seconds(start), stop, params.size(), details);
        } finally {
            model.setTraining(training);
        }
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
