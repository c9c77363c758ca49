package flatlm.flatness;

import flatlm.model.MlmModel;
import flatlm.stats.RunningStats;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Hutchinson's estimator of Tr(H): {@code E_v[vᵀ H_B v] = Tr(H_B)} for Rademacher v, by double
 * back-propagation on a fresh batch of contexts per probe. See {@link TraceEstimators}.
 */
public final class Hutchinson {
    private Hutchinson() {}

    /**
     * Hutchinson's estimator: per probe, a fresh batch of {@code batch} contexts, a Rademacher
     * vector v (independent ±1 per parameter), and {@code vᵀ H_B v} by double back-propagation,
     * H_B being the Hessian of the batch's mean loss under {@code labels}. Unbiased for Tr(H):
     * {@code E_v[vᵀ A v] = Tr(A)} for any fixed A since E[v vᵀ] = I, and {@code E_B[H_B] = H}.
     */
    public static Estimate estimate(MlmModel model, ContextSource source, Labels labels, ParameterSelection selection,
                                    int batch, Budget budget, RandomGenerator rng, Progress progress) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (labels == Labels.EXACT && !source.hasTruth())
            throw new IllegalStateException("exact labels need the language's exact conditionals");
        boolean training = model.isTraining();
        model.setTraining(false);
        try {
            Params params = new Params(model, selection);
            TraceEstimators.Sampled run = TraceEstimators.sample(budget, progress, () -> {
                List<MaskedContext> contexts = source.draw(batch, rng, labels == Labels.EXACT);
                try (PointerScope s = new PointerScope()) {
                    Tensor v = params.rademacher(rng);
                    Tensor hv = params.hvp(Params.loss(model, contexts, null, labels), v);
                    return hv.dot(v).item_double();
                }
            });
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("batch", batch);
            details.put("labels", labels.cliName());
            details.put("excluded", selection.excluded());
            RunningStats stats = run.stats();
            return new Estimate("hutchinson", stats.mean(), stats.stderr(), stats.count(), stats.count() * batch,
                stats.count(), run.seconds(), run.stop(), params.size(), details);
        } finally {
            model.setTraining(training);
        }
    }
}
