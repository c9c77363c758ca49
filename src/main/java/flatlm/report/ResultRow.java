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
 * @param seed        the plan's pre-training seed s of the run: the same s for a continuation
 *                    as for the run it continues (whose batches it does not reuse: its config
 *                    seed is RunSpec.dataSeed(s, parent)), so rows pair by it; −1 when there is
 *                    none (the lookup table)
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
 * @param algorithm   the training algorithm of the run (its TrainConfig: standard, exact-target,
 *                    sampled-labels, adversarial-..., sam...; "lookup" for the lookup table); "" in
 *                    rows from before it was recorded. Claims pick runs by it, not by the label.
 * @param labelsPerContext the run's label noise as words drawn per masked context
 *                    (TrainConfig.labelsPerContextK: 1 data labels, k sampled labels, +∞ exact
 *                    targets); NaN when unknown (the lookup table, rows from before it was recorded)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultRow(String experiment, String run, String variant, long seed, long step, double x, long parameters,
                        double ce, double entropy, double kl, double klStderr, boolean saturated,
                        double trH, double trHStderr, String trHEstimator, int probeTrain,
                        Map<String, Accuracy> accuracy, Map<String, Double> bayes, String checkpoint, String trHStop,
                        String algorithm, double labelsPerContext) {

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

    /**
     * Normalises absent values: null strings to "", null maps to empty, and labelsPerContext 0 (a
     * measurements.jsonl line from before the field: JSON without it binds 0; k ≥ 1 otherwise) to NaN.
     */
    public ResultRow {
        variant = variant == null ? "" : variant;
        trHStop = trHStop == null ? "" : trHStop;
        algorithm = algorithm == null ? "" : algorithm;
        labelsPerContext = labelsPerContext == 0 ? Double.NaN : labelsPerContext;
        accuracy = accuracy == null ? new LinkedHashMap<>() : new LinkedHashMap<>(accuracy);
        bayes = bayes == null ? new LinkedHashMap<>() : new LinkedHashMap<>(bayes);
    }

    /** A row built by name; unset fields are absent: NaN numbers, seed and step −1, empty maps and strings. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this row's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.experiment = experiment; b.run = run; b.variant = variant; b.seed = seed; b.step = step; b.x = x;
        b.parameters = parameters; b.ce = ce; b.entropy = entropy; b.kl = kl; b.klStderr = klStderr; b.saturated = saturated;
        b.trH = trH; b.trHStderr = trHStderr; b.trHEstimator = trHEstimator; b.probeTrain = probeTrain; b.accuracy = accuracy;
        b.bayes = bayes; b.checkpoint = checkpoint; b.trHStop = trHStop; b.algorithm = algorithm; b.labelsPerContext = labelsPerContext;
        return b;
    }

    /** The same row labelled saturated or not by {@code threshold}: kl &lt; threshold. */
    public ResultRow withSaturation(double threshold) {
        return toBuilder().saturated(Saturation.saturated(kl, threshold)).build();
    }

    /** The same row with the run's training algorithm and label noise (see the parameters). */
    public ResultRow withTraining(String algorithm, double labelsPerContext) {
        return toBuilder().training(algorithm, labelsPerContext).build();
    }

    /** Named setters for {@link ResultRow}; each returns the builder. */
    public static final class Builder {
        private String experiment, run, variant = "", trHEstimator, checkpoint, trHStop = "", algorithm = "";
        private long seed = -1, step = -1, parameters;
        private double x = Double.NaN, ce = Double.NaN, entropy = Double.NaN, kl = Double.NaN, klStderr = Double.NaN,
            trH = Double.NaN, trHStderr = Double.NaN, labelsPerContext = Double.NaN;
        private boolean saturated;
        private int probeTrain;
        private Map<String, Accuracy> accuracy = Map.of();
        private Map<String, Double> bayes = Map.of();

        private Builder() {}

        /** Which model: experiment, run label, variant ("" as trained). */
        public Builder model(String experiment, String run, String variant) {
            this.experiment = experiment; this.run = run; this.variant = variant;
            return this;
        }

        /** Pre-training seed, checkpoint step, the experiment's x value. */
        public Builder at(long seed, long step, double x) {
            this.seed = seed; this.step = step; this.x = x;
            return this;
        }

        public Builder parameters(long n) { this.parameters = n; return this; }
        public Builder variant(String v) { this.variant = v; return this; }
        public Builder checkpoint(String c) { this.checkpoint = c; return this; }
        public Builder saturated(boolean s) { this.saturated = s; return this; }

        /** Exact loss: cross-entropy, the language's entropy, KL = ce − entropy ± its s.e. */
        public Builder loss(double ce, double entropy, double kl, double klStderr) {
            this.ce = ce; this.entropy = entropy; this.kl = kl; this.klStderr = klStderr;
            return this;
        }

        /** Tr(H) ± s.e., the estimator and why it stopped. */
        public Builder trace(double trH, double trHStderr, String estimator, String stop) {
            this.trH = trH; this.trHStderr = trHStderr; this.trHEstimator = estimator; this.trHStop = stop;
            return this;
        }

        /** Probe training size, task → accuracy, task → Bayes ceiling. */
        public Builder probes(int train, Map<String, Accuracy> accuracy, Map<String, Double> bayes) {
            this.probeTrain = train; this.accuracy = accuracy; this.bayes = bayes;
            return this;
        }

        /** The run's training algorithm and labels per context (1, k, +∞). */
        public Builder training(String algorithm, double labelsPerContext) {
            this.algorithm = algorithm; this.labelsPerContext = labelsPerContext;
            return this;
        }

        public ResultRow build() {
            return new ResultRow(experiment, run, variant, seed, step, x, parameters, ce, entropy, kl, klStderr, saturated, trH,
                trHStderr, trHEstimator, probeTrain, accuracy, bayes, checkpoint, trHStop, algorithm, labelsPerContext);
        }
    }

    /** Mean accuracy on {@code task}, NaN when not measured. */
    public double acc(String task) {
        Accuracy a = accuracy.get(task);
        return a == null ? Double.NaN : a.mean();
    }
}
