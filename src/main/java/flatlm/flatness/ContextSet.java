package flatlm.flatness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A finite set of masked contexts with weights summing to 1: the loss
 * {@code L(θ) = Σ_c w_c ℓ_c(θ)}. Used as a fixed batch (power iteration, dense Hessians) and as a
 * {@link ContextSource} drawing contexts i.i.d. with probability {@code w_c} (so that estimators
 * run on it are unbiased for the exact quantities of this finite loss).
 */
public final class ContextSet implements ContextSource {
    private final List<MaskedContext> contexts;
    private final double[] weights;
    private final double[] cumulative;
    private final boolean truth;

    private ContextSet(List<MaskedContext> contexts, double[] weights) {
        if (contexts.isEmpty()) throw new IllegalArgumentException("empty context set");
        if (weights.length != contexts.size()) throw new IllegalArgumentException("weights and contexts differ in length");
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0)) throw new IllegalArgumentException("negative weight " + w);
            sum += w;
        }
        if (!(sum > 0)) throw new IllegalArgumentException("weights sum to " + sum);
        this.contexts = List.copyOf(contexts);
        this.weights = new double[weights.length];
        this.cumulative = new double[weights.length];
        double c = 0;
        for (int i = 0; i < weights.length; i++) {
            this.weights[i] = weights[i] / sum;
            c += this.weights[i];
            cumulative[i] = c;
        }
        cumulative[weights.length - 1] = 1.0;
        this.truth = contexts.stream().allMatch(m -> m.truth() != null);
    }

    /** Equal weights. */
    public static ContextSet uniform(List<MaskedContext> contexts) {
        double[] w = new double[contexts.size()];
        Arrays.fill(w, 1.0);
        return new ContextSet(contexts, w);
    }

    /**
     * Every (sentence, position) of a held-out set with its exact conditional, weighted as the
     * single-mask pre-training loss weighs them ({@link flatlm.eval.SingleMaskLoss}): the finite
     * version of {@link ContextSource#of}, whose loss is {@link flatlm.eval.ExactLoss}'s CE.
     */
    public static ContextSet singleMask(flatlm.eval.ExactLoss.HeldOut set) {
        List<MaskedContext> contexts = new java.util.ArrayList<>();
        List<Double> w = new java.util.ArrayList<>();
        int n = set.sentences().size();
        for (int s = 0; s < n; s++) {
            int[] words = set.sentences().get(s).words();
            for (int i = 0; i < words.length; i++) {
                contexts.add(new MaskedContext(words, i, set.conditionals().get(s)[i]));
                w.add(flatlm.eval.SingleMaskLoss.weight(words.length, n));
            }
        }
        return new ContextSet(contexts, w.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Weights normalised to sum 1. */
    public static ContextSet weighted(List<MaskedContext> contexts, double[] weights) {
        return new ContextSet(contexts, weights);
    }

    public List<MaskedContext> contexts() {
        return contexts;
    }

    /** Normalised weights (a copy). */
    public double[] weights() {
        return weights.clone();
    }

    public int size() {
        return contexts.size();
    }

    /** Contexts {@code [from, to)} with their weights renormalised within the slice. */
    public ContextSet slice(int from, int to) {
        return new ContextSet(contexts.subList(from, to), Arrays.copyOfRange(weights, from, to));
    }

    @Override
    public List<MaskedContext> draw(int n, RandomGenerator rng, boolean needTruth) {
        if (needTruth && !truth) throw new IllegalStateException("the context set has no exact conditionals");
        List<MaskedContext> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            int i = Arrays.binarySearch(cumulative, rng.nextDouble());
            if (i < 0) i = -i - 1;
            out.add(contexts.get(Math.min(i, contexts.size() - 1)));
        }
        return out;
    }

    @Override
    public boolean hasTruth() {
        return truth;
    }
}
