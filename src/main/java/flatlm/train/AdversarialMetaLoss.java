package flatlm.train;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.SplittableRandom;

/**
 * The adversarial meta-loss L_meta of the paper (Tables 1, 2; SPEC.md section 3), which
 * {@link Adversarial} pre-training maximises: on a fresh labelled batch of the downstream task,
 * take the linear probe's features F ({@link ProbeFeatures}), L2-normalise them, split the batch
 * into support (first 7/8) and query (last 1/8), fit kernel ridge regression on the support with
 * the cosine Gram matrix K = F_s F_sᵀ and one-hot targets centred by −1/C,
 * α = (K + λI)⁻¹ Y_s, predict Ŷ_q = F_q F_sᵀ α, and return mean_q ‖Ŷ_q − Y_q‖².
 * A differentiable tensor function of the model: gradients flow through the linear solve.
 */
public final class AdversarialMetaLoss {
    private final DownstreamTask task;
    private final int batch;
    private final double ridge;

    public AdversarialMetaLoss(Language language, TrainConfig.AdversarialOptions o) {
        this.task = language.task(o.task);
        if (task.numClasses() < 2) {
            throw new BadInputException("adversarial.task '" + o.task + "' must be a classification task");
        }
        this.batch = o.batch;
        this.ridge = o.ridge;
    }

    /** L_meta of {@code model} on a fresh labelled batch drawn with {@code rng}. */
    public Tensor of(MlmModel model, SplittableRandom rng) {
        int[][] sentences = new int[batch][];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            DownstreamTask.Example e = task.sample(rng);
            sentences[i] = e.words();
            labels[i] = e.label();
        }
        return kernelRidge(ProbeFeatures.of(model, sentences), labels, task.numClasses(), ridge);
    }

    /** Number of support rows of a batch of {@code n}: 7/8, at least 1, leaving at least 1 query row. */
    public static int supportSize(int n) {
        return Math.max(1, Math.min(n - 1, (int) Math.round(n * 7.0 / 8.0)));
    }

    /** Centred one-hot targets [n, C]: 1 − 1/C at the label, −1/C elsewhere. */
    public static Tensor targets(int[] labels, int classes, torch.ScalarType type) {
        double[] y = new double[labels.length * classes];
        for (int i = 0; i < labels.length; i++) {
            for (int c = 0; c < classes; c++) y[i * classes + c] = (c == labels[i] ? 1.0 : 0.0) - 1.0 / classes;
        }
        return Torch.floatingTensor(y, type, labels.length, classes);
    }

    /** L_meta of {@code features [n, d]} with labels {@code labels} of {@code classes} classes: the kernel ridge fit above. */
    public static Tensor kernelRidge(Tensor features, int[] labels, int classes, double ridge) {
        int n = labels.length;
        int s = supportSize(n);
        Tensor f = features.div(features.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true)
            .clamp_min(new Scalar(1e-12)));
        Tensor y = targets(labels, classes, Torch.scalarType(features));
        Tensor fs = f.narrow(0, 0, s);
        Tensor fq = f.narrow(0, s, n - s);
        Tensor ys = y.narrow(0, 0, s);
        Tensor yq = y.narrow(0, s, n - s);
        Tensor k = fs.matmul(fs.t()).add(torch.eye(s, features.options()).mul(new Scalar(ridge)));
        Tensor alpha = torch.linalg_solve(k, ys);
        Tensor pred = fq.matmul(fs.t()).matmul(alpha);
        return pred.sub(yq).square().sum().div(new Scalar(n - s));
    }
}
