package flatlm.train;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.util.BadInputException;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.SplittableRandom;

/**
 * Adversarial pre-training (paper Tables 1, 2): minimise L_MLM − λ·L_meta, where L_meta is the
 * {@link KernelRidge} meta-learning loss of a labelled downstream batch on the probe's features.
 * Maximising L_meta keeps the features useless for the task while the MLM term keeps the
 * pre-training loss. Returns the MLM loss alone (what the run is judged by).
 */
public final class Adversarial implements Algorithm {
    private final Algorithm mlm;
    private final DownstreamTask task;
    private final double lambda;
    private final int batch;
    private final double ridge;
    private final long seed;

    public Adversarial(Algorithm mlm, Language language, TrainConfig.AdversarialOptions o, long seed) {
        this.mlm = mlm;
        this.task = language.task(o.task);
        if (task.numClasses() < 2) {
            throw new BadInputException("adversarial.task '" + o.task + "' must be a classification task");
        }
        this.lambda = o.lambda;
        this.batch = o.batch;
        this.ridge = o.ridge;
        this.seed = seed;
    }

    @Override
    public double gradients(MlmModel model, Step step) {
        double loss = mlm.gradients(model, step);
        if (!Double.isFinite(loss)) return loss;
        Tensor meta = metaLoss(model, BatchSource.rngFor(seed, step.step(), RngStreams.META_LOSS));
        meta.mul(new Scalar(-lambda)).backward();
        return loss;
    }

    /** The meta-loss on a fresh labelled batch drawn with {@code rng}. */
    public Tensor metaLoss(MlmModel model, SplittableRandom rng) {
        int[][] sentences = new int[batch][];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            DownstreamTask.Example e = task.sample(rng);
            sentences[i] = e.words();
            labels[i] = e.label();
        }
        return KernelRidge.metaLoss(ProbeFeatures.of(model, sentences), labels, task.numClasses(), ridge);
    }
}
