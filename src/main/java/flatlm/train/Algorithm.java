package flatlm.train;

import flatlm.lang.Language;
import flatlm.model.MaskedLoss;
import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.util.BadInputException;
import org.bytedeco.pytorch.Tensor;

import java.util.SplittableRandom;

/**
 * How one pre-training step turns a batch into gradients (SPEC.md section 3). Called inside
 * the step's PointerScope with gradients cleared; leaves the gradients in the parameters'
 * {@code grad} and returns the step's MLM loss (for logging and divergence checks).
 */
public interface Algorithm {
    /** The step's inputs: the sentences, their masked batch, and the step number. */
    record Step(int[][] sentences, MlmBatch batch, long step) {}

    double gradients(MlmModel model, Step step);

    MaskedLoss EXACT_MEAN = MaskedLoss.of(MaskedLoss.Labels.EXACT, MaskedLoss.Weighting.MEAN);

    static Algorithm of(TrainConfig cfg, Language language) {
        return switch (cfg.algorithm) {
            case "standard" -> standard();
            case "exact-target" -> exactTarget(language);
            case "sampled-labels" -> sampledLabels(language, cfg.labelsPerContext, cfg.seed);
            case "sam" -> new Sam(standard(), cfg.sam.rho);
            case "sam-exact-target" -> new Sam(exactTarget(language), cfg.sam.rho);
            case "sam-sampled-labels" -> new Sam(sampledLabels(language, cfg.labelsPerContext, cfg.seed), cfg.sam.rho);
            case "adversarial" -> new Adversarial(standard(), language, cfg.adversarial, cfg.seed);
            case "adversarial-exact-target" -> new Adversarial(exactTarget(language), language, cfg.adversarial, cfg.seed);
            case "adversarial-sampled-labels" ->
                new Adversarial(sampledLabels(language, cfg.labelsPerContext, cfg.seed), language, cfg.adversarial, cfg.seed);
            default -> throw new BadInputException("config key 'algorithm': unknown algorithm '" + cfg.algorithm + "'");
        };
    }

    /** Cross-entropy of the sampled masked tokens: −mean_m log q(x_m). */
    static Algorithm standard() {
        return (model, s) -> backward(model.loss(s.batch()));
    }

    /**
     * The noise-free control: cross-entropy against the exact conditional,
     * −mean_m Σ_v p*(v | x_-i) log q(v). Same minimisers as the standard loss, no label noise.
     */
    static Algorithm exactTarget(Language language) {
        return (model, s) -> backward(exactTargetLoss(model, s, language));
    }

    /**
     * The label-noise dial at its setting: k words per context, or for {@code exact} the
     * exact-target algorithm itself (the same code path, so the same bytes).
     */
    static Algorithm sampledLabels(Language language, TrainConfig.LabelsPerContext k, long seed) {
        return k.exact() ? exactTarget(language) : sampledLabels(language, k.k(), seed);
    }

    /**
     * The label-noise dial: cross-entropy against the empirical distribution of k words drawn
     * from the exact conditional, −mean_m Σ_v (c_v/k) log q(v), c ~ Multinomial(k, p*(·|x_-i)),
     * drawn from the step's own stream ({@link RngStreams#LABELS}). E[c/k] = p*, so the expected
     * gradient is the exact-target one; Cov[c/k] = (diag p* − p*p*ᵀ)/k, so at a minimiser the
     * gradient noise covariance is H/(M·k) (M masked contexts per step). The cost is O(k) draws
     * per context, no model work.
     */
    static Algorithm sampledLabels(Language language, int k, long seed) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        return (model, s) -> backward(EXACT_MEAN.loss(model, s.batch(), sampledTargets(s, language, k, seed), null));
    }

    /** The sampled-labels targets c/k of every masked context of the step: a pure function of (seed, step, contexts). */
    static double[][] sampledTargets(Step s, Language language, int k, long seed) {
        double[][] truth = exactTargets(s, language);
        SplittableRandom rng = BatchSource.rngFor(seed, s.step(), RngStreams.LABELS);
        for (int m = 0; m < truth.length; m++) truth[m] = empirical(truth[m], k, rng);
        return truth;
    }

    /** c/k for c ~ Multinomial(k, p): k inverse-CDF draws. */
    static double[] empirical(double[] p, int k, SplittableRandom rng) {
        double[] cdf = new double[p.length];
        double acc = 0;
        for (int v = 0; v < p.length; v++) cdf[v] = acc += p[v];
        int[] c = new int[p.length];
        for (int i = 0; i < k; i++) {
            double u = rng.nextDouble() * acc;
            int v = java.util.Arrays.binarySearch(cdf, u);
            v = v >= 0 ? v + 1 : -v - 1;
            while (v < p.length - 1 && p[v] == 0) v++; // u on a boundary: never a word of probability 0
            c[Math.min(v, p.length - 1)]++;
        }
        double[] out = new double[p.length];
        for (int v = 0; v < p.length; v++) out[v] = (double) c[v] / k;
        return out;
    }

    /** The exact-target loss of the step: exact labels, the mean weighting (sum, then divided by M). */
    static Tensor exactTargetLoss(MlmModel model, Step s, Language language) {
        return EXACT_MEAN.loss(model, s.batch(), exactTargets(s, language), null);
    }

    /** p*(·|x_-i) of every masked context of the step, in the batch's prediction order. */
    static double[][] exactTargets(Step s, Language language) {
        int[][] positions = s.batch().wordPositions();
        double[][] truth = new double[s.batch().predictions()][];
        int k = 0;
        for (int b = 0; b < positions.length; b++) {
            if (positions[b].length == 0) continue;
            if (positions[b].length == 1) { // single masking: only that row (cheaper for causal-lm)
                truth[k++] = language.conditional(s.sentences()[b], positions[b][0]);
                continue;
            }
            double[][] cond = language.conditionals(s.sentences()[b]);
            for (int pos : positions[b]) truth[k++] = cond[pos];
        }
        return truth;
    }

    private static double backward(Tensor loss) {
        double value = loss.item_double();
        if (Double.isFinite(value)) loss.backward();
        return value;
    }
}
