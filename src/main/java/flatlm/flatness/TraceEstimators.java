package flatlm.flatness;

import flatlm.stats.RunningStats;

import java.util.function.DoubleSupplier;

/**
 * Estimators of the trace of the Hessian of the single-mask pre-training loss
 * {@code L(θ) = E_x E_i [ℓ(θ; x, i)]} (SPEC.md section 4), each with a standard error and an
 * adaptive stop ({@link Budget}): Hutchinson's is unbiased for Tr(H) at every θ; the Fisher
 * trace is an unbiased estimate of F, which equals Tr(H) only at saturation (below).
 *
 * <ul>
 * <li><b>Fisher</b> (the paper's App. B.1): {@code F = E_x E_{y~q_θ(·|x)} ||∇θ log q_θ(y|x)||²}, the
 * trace of the Fisher information of the model's own predictive distribution. At a saturated
 * model (q_θ = p*) it equals Tr(H) (Bartlett identity, the paper's Lemma 4.2); elsewhere
 * {@code Tr(H) − F = E_x Σ_v (q_v − p*_v) Tr ∇² log q_v}. Two forms: {@link FisherEstimator#perSample}
 * (the reference loop, one backward pass per (x, y)) and {@link FisherEstimator#batched} (one backward
 * pass per batch of B contexts).</li>
 * <li><b>Hutchinson</b> ({@link Hutchinson#estimate}): {@code E_v[vᵀ H_B v] = Tr(H_B)} for Rademacher v, with
 * H_B the Hessian of the loss of a fresh batch of contexts ({@code E_B H_B = H}), by double
 * back-propagation; on the exact expected loss (no label noise) or on the data labels.</li>
 * </ul>
 *
 * The model is put in evaluation mode (no dropout) while measuring and restored afterwards.
 */
public final class TraceEstimators {
    private TraceEstimators() {}

    /** What the sampling loop gathered: the samples' statistics, why it stopped, its wall time. */
    record Sampled(RunningStats stats, String stop, double seconds) {}

    /**
     * The estimators' sampling loop: draws i.i.d. samples until {@code budget} says stop
     * (relative standard error reached, or a sample or time limit), reporting each to {@code progress}.
     */
    static Sampled sample(Budget budget, Progress progress, DoubleSupplier sample) {
        RunningStats stats = new RunningStats();
        long start = System.nanoTime();
        String stop;
        while (true) {
            stats.add(sample.getAsDouble());
            progress.update(stats.count(), stats.mean(), stats.stderr());
            stop = budget.stopReason(stats.count(), stats.mean(), stats.stderr(), seconds(start));
            if (stop != null) break;
        }
        return new Sampled(stats, stop, seconds(start));
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
