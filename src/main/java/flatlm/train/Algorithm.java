package flatlm.train;

import flatlm.lang.Language;
import flatlm.model.MaskedLoss;
import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.util.BadInputException;
import org.bytedeco.pytorch.Tensor;

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
            case "sam" -> new Sam(standard(), cfg.sam.rho);
            case "sam-exact-target" -> new Sam(exactTarget(language), cfg.sam.rho);
            case "adversarial" -> new Adversarial(standard(), language, cfg.adversarial, cfg.seed);
            case "adversarial-exact-target" -> new Adversarial(exactTarget(language), language, cfg.adversarial, cfg.seed);
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

    /** The exact-target loss of the step: exact labels, the mean weighting (sum, then divided by M). */
    static Tensor exactTargetLoss(MlmModel model, Step s, Language language) {
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
        return EXACT_MEAN.loss(model, s.batch(), truth, null);
    }

    private static double backward(Tensor loss) {
        double value = loss.item_double();
        if (Double.isFinite(value)) loss.backward();
        return value;
    }
}
