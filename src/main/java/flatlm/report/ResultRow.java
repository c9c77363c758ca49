package flatlm.report;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluated model of a reproduction: a checkpoint of a run (or a transform of one:
 * embedded into a larger architecture, pruned), with its exact pre-training loss, its
 * downstream accuracies and its flatness. Written one per line to a run's
 * {@code measurements.jsonl} and as one row of {@code results.csv}.
 *
 * @param experiment  convergence | size | algorithms | pruning
 * @param run         the run's label inside its experiment (adamw, sgd, d32, sam, adversarial, lookup, ...)
 * @param variant     what was done to the checkpoint: "" (as trained), "embedded", "sparsity-0.30"
 * @param seed        the pre-training seed of the run (its initialisation and batches; a
 *                    continuation's own data seed); −1 when there is none (the lookup table)
 * @param step        the checkpoint's training step (−1 when not applicable, e.g. the lookup table)
 * @param x           the experiment's x value: the step (convergence), the width d (size), the
 *                    sparsity (pruning), the continuation step (algorithms)
 * @param parameters  parameters of the evaluated model (the embedded one for "embedded")
 * @param ce          exact cross-entropy, nats per token (NaN for the lookup table)
 * @param entropy     the language's conditional entropy on the same held-out set
 * @param kl          ce − entropy
 * @param klStderr    standard error of kl (clustered by sentence)
 * @param saturated   kl &lt; the preset's saturation threshold (0.01 nats)
 * @param trH         trace of the Hessian estimate (NaN when not measured)
 * @param trHStderr   its standard error
 * @param trHEstimator fisher | hutchinson
 * @param probeTrain  probe training examples behind {@code accuracy} (one row per model and
 *                    training size: the learning curve); 0 when nothing was probed
 * @param accuracy    task name → probe test accuracy (mean, std over seeds, seeds)
 * @param bayes       task name → Bayes-ceiling accuracy on the same test splits (mean)
 * @param checkpoint  the checkpoint, relative to the reproduction's output directory
 * @param trHStop     why the Tr(H) estimate stopped: rel-stderr (its target reached), max-samples
 *                    or max-seconds (a budget: the estimate is less precise than asked); "" when
 *                    not measured
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultRow(String experiment, String run, String variant, long seed, long step, double x, long parameters,
                        double ce, double entropy, double kl, double klStderr, boolean saturated,
                        double trH, double trHStderr, String trHEstimator, int probeTrain,
                        Map<String, Accuracy> accuracy, Map<String, Double> bayes, String checkpoint, String trHStop) {

    /**
     * Probe test accuracy over probe seeds: mean, sample standard deviation, number of seeds;
     * the probe head's test cross-entropy (nats), mean and standard deviation (NaN when unknown);
     * and how many of the seeds' solvers stopped at their iteration limit before converging.
     */
    public record Accuracy(double mean, double std, int n, double ce, double ceStd, int unconverged) {
        public Accuracy(double mean, double std, int n) {
            this(mean, std, n, Double.NaN, Double.NaN, 0);
        }

        public Accuracy(double mean, double std, int n, double ce, double ceStd) {
            this(mean, std, n, ce, ceStd, 0);
        }
    }

    /** A row without a Tr(H) stopping reason (rows built by hand, CSVs from before it was recorded). */
    public ResultRow(String experiment, String run, String variant, long seed, long step, double x, long parameters,
                     double ce, double entropy, double kl, double klStderr, boolean saturated,
                     double trH, double trHStderr, String trHEstimator, int probeTrain,
                     Map<String, Accuracy> accuracy, Map<String, Double> bayes, String checkpoint) {
        this(experiment, run, variant, seed, step, x, parameters, ce, entropy, kl, klStderr, saturated, trH, trHStderr, trHEstimator,
            probeTrain, accuracy, bayes, checkpoint, "");
    }

    public ResultRow {
        variant = variant == null ? "" : variant;
        trHStop = trHStop == null ? "" : trHStop;
        accuracy = accuracy == null ? new LinkedHashMap<>() : new LinkedHashMap<>(accuracy);
        bayes = bayes == null ? new LinkedHashMap<>() : new LinkedHashMap<>(bayes);
    }

    /** The same row labelled saturated or not by {@code threshold}: kl &lt; threshold. */
    public ResultRow withSaturation(double threshold) {
        return new ResultRow(experiment, run, variant, seed, step, x, parameters, ce, entropy, kl, klStderr, Saturation.saturated(kl, threshold), trH,
            trHStderr, trHEstimator, probeTrain, accuracy, bayes, checkpoint, trHStop);
    }

    /** The same row with another probe training size and its accuracies. */
    public ResultRow withProbe(int train, Map<String, Accuracy> acc) {
        return new ResultRow(experiment, run, variant, seed, step, x, parameters, ce, entropy, kl, klStderr, saturated, trH, trHStderr,
            trHEstimator, train, acc, bayes, checkpoint, trHStop);
    }

    /** Mean accuracy on {@code task}, NaN when not measured. */
    public double acc(String task) {
        Accuracy a = accuracy.get(task);
        return a == null ? Double.NaN : a.mean();
    }
}
