package flatlm.train;

import flatlm.lang.Language;
import flatlm.model.MlmModel;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Adversarial pre-training (paper Tables 1, 2): minimise L_MLM − λ·L_meta, where L_meta is the
 * {@link AdversarialMetaLoss} of a labelled downstream batch on the probe's features.
 * Maximising L_meta keeps the features useless for the task while the MLM term keeps the
 * pre-training loss. Returns the MLM loss alone (what the run is judged by).
 */
public final class Adversarial implements Algorithm {
    private final Algorithm mlm;
    private final AdversarialMetaLoss meta;
    private final double lambda;
    private final long seed;

    public Adversarial(Algorithm mlm, Language language, TrainConfig.AdversarialOptions o, long seed) {
        this.mlm = mlm;
        this.meta = new AdversarialMetaLoss(language, o);
        this.lambda = o.lambda;
        this.seed = seed;
    }

    @Override
    public double gradients(MlmModel model, Step step) {
        double loss = mlm.gradients(model, step);
        if (!Double.isFinite(loss)) return loss;
        Tensor m = meta.of(model, BatchSource.rngFor(seed, step.step(), RngStreams.META_LOSS));
        m.mul(new Scalar(-lambda)).backward();
        return loss;
    }

    public AdversarialMetaLoss metaLoss() {
        return meta;
    }
}
