package flatlm.train;

import flatlm.lang.LanguageSpec;
import flatlm.model.LrSchedule;
import flatlm.util.BadInputException;
import org.bytedeco.pytorch.Tensor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.LinkedHashMap;
import java.util.Set;

/**
 * Everything a pre-training run needs, as written in {@code config.yaml} (YAML or JSON).
 * Every key can also be given as a flag ({@code --optimizer.lr 3e-3}). Defaults are the
 * smallest setting measured to reach saturation on this machine kind (see BENCHMARKS.md).
 */
public final class TrainConfig {
    /** The language; default: {@link LanguageSpec#smallHmm} (16 words, 8 states, 2 blocks, length 8, α 0.1). */
    public LanguageSpec language = LanguageSpec.smallHmm();
    public Model model = new Model();
    public Data data = new Data();
    public Optimizer optimizer = new Optimizer();
    public Schedule schedule = new Schedule();
    /** Optimizer steps in total (the schedule's horizon). */
    public int steps = 5000;
    /** Sentences per step. */
    public int batchSize = 256;
    /** Clip the global gradient norm to this value; 0 = no clipping. */
    public double gradClip = 0;
    /** Exact evaluation every this many steps (and at the end). */
    public int evalEvery = 250;
    /** Checkpoint every this many steps (and at the end). */
    public int checkpointEvery = 1000;
    /** Seed of the initialisation and of every batch (batch t depends only on seed and t). */
    public long seed = 1;
    /** libtorch threads. */
    public int threads = 1;
    /** cpu (the GPU build of libtorch is not bundled). */
    public String device = "cpu";
    /** A checkpoint (directory, model file or run directory) to initialise the weights from; null = random init. */
    public String initFrom;
    /**
     * standard (cross-entropy of sampled masked tokens), exact-target (against the exact
     * conditional p*: the noise-free control), sampled-labels (against the empirical distribution
     * of {@link #labelsPerContext} words drawn from p*: the label-noise dial), sam (sharpness-aware
     * minimisation around standard), sam-exact-target, sam-sampled-labels, adversarial (MLM minus a
     * meta-learning loss that ruins transfer), adversarial-exact-target, adversarial-sampled-labels
     * (the same around exact-target and sampled-labels).
     */
    public String algorithm = "standard";
    /**
     * The label-noise dial of the sampled-labels algorithms: k >= 1, each masked context's target
     * is the empirical distribution c/k of k words drawn from p*(·|x_-i), c ~ Multinomial(k, p*);
     * or {@code exact} (k = ∞: exactly the exact-target code path, no label noise). At a minimiser
     * the gradient noise covariance is H/(batchSize·k): k = 1 is standard MLM on fresh data.
     * Unset (and out of the run key) for every other algorithm.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public LabelsPerContext labelsPerContext;
    public SamOptions sam = new SamOptions();
    public AdversarialOptions adversarial = new AdversarialOptions();

    /** Sharpness-aware minimisation. */
    public static final class SamOptions {
        /** Radius of the ascent step ε = ρ g / ‖g‖. */
        public double rho = 0.05;
    }

    /** Adversarial pre-training: loss = MLM − lambda · meta-loss of a downstream task. */
    public static final class AdversarialOptions {
        /** Weight of the meta-loss. */
        public double lambda = 1.0;
        /** The downstream task whose transfer is ruined (e.g. hmm:6, pcfg:A). */
        public String task = "hmm:6";
        /** Labelled examples per step (7/8 support, 1/8 query). */
        public int batch = 64;
        /** Ridge of the closed-form head. */
        public double ridge = 1e-3;
    }

    /** Model architecture: a named preset, optionally overridden field by field. */
    public static final class Model {
        /**
         * Transformer: tiny, small, base-cpu, base-cpu-4, paper-64 … paper-1024 (see
         * {@code flatlm.model.ModelConfig}); bidirectional LSTM: lstm-tiny, lstm-small, lstm-base,
         * lstm-large (see {@code flatlm.model.LstmConfig}).
         */
        public String preset = "small";
        public Integer d;
        public Integer heads;
        public Integer layers;
        public Integer dInter;
        public boolean preLn = true;
        public double dropout = 0;
        /** float32 or float64. */
        public String dtype = "float32";
    }

    /** Where sentences come from and how they are masked. */
    public static final class Data {
        /** A corpus directory from {@code flatlm lang generate}; null = fresh samples every step. */
        public String corpus;
        /** single (one uniform masked position per sentence, the paper's setting) or bert (15%, at most 5). */
        public String masking = "single";
        /** Held-out sentences for the exact evaluation (every position of each is evaluated). */
        public int evalSentences = HeldOutSpec.DEFAULT_SENTENCES;
        /** Seed of the held-out set (independent of the training seed). */
        public long evalSeed = HeldOutSpec.DEFAULT_SEED;

        /** The held-out set of the exact evaluation in metrics.jsonl. */
        public HeldOutSpec heldOut() {
            return new HeldOutSpec(evalSentences, evalSeed);
        }
    }

    /** adamw or sgd. */
    public static final class Optimizer {
        public String name = "adamw";
        /** Peak learning rate. */
        public double lr = 3e-3;
        public double beta1 = 0.9;
        public double beta2 = 0.999;
        public double eps = 1e-8;
        public double weightDecay = 0.01;
        /** SGD momentum (0 = plain SGD). */
        public double momentum = 0;

        /** The optimizer this section names, over {@code params}. */
        public flatlm.model.Optimizer build(LinkedHashMap<String, Tensor> params) {
            return switch (name) {
                case "adamw" -> new flatlm.model.Optimizer.AdamW(params, beta1, beta2, eps, weightDecay);
                case "sgd" -> new flatlm.model.Optimizer.Sgd(params, momentum, weightDecay);
                default -> throw new BadInputException("optimizer.name: unknown optimizer '" + name + "'");
            };
        }
    }

    /** The learning-rate schedule of this run: peak {@code optimizer.lr} over {@code steps}. */
    public LrSchedule lrSchedule() {
        return new LrSchedule(optimizer.lr, schedule.warmup, schedule.decay, schedule.minLrRatio, steps);
    }

    /** Linear warmup, then constant, linear or cosine decay to minLrRatio · lr at the last step. */
    public static final class Schedule {
        public int warmup = 300;
        public String decay = "cosine";
        public double minLrRatio = 0.02;
    }


    /** Every algorithm name (SPEC.md section 3). */
    public static final Set<String> ALGORITHMS = Set.of("standard", "exact-target", "sampled-labels", "sam", "sam-exact-target",
        "sam-sampled-labels", "adversarial", "adversarial-exact-target", "adversarial-sampled-labels");

    /**
     * The label noise of this run as words drawn per masked context: 1 for the data-label
     * algorithms (standard, sam, adversarial: one observed word), k for sampled-labels, +∞ for
     * exact targets (exact-target algorithms, or labelsPerContext exact). Call after {@link #validate}.
     */
    public double labelsPerContextK() {
        if (algorithm.endsWith("exact-target")) return Double.POSITIVE_INFINITY;
        if (algorithm.endsWith("sampled-labels")) return labelsPerContext.exact() ? Double.POSITIVE_INFINITY : labelsPerContext.k();
        return 1;
    }

    /** A value of {@link #labelsPerContext}: a whole number k >= 1 or the word exact (checked by {@link #validate}). */
    public static final class LabelsPerContext {
        public static final String EXACT = "exact";
        private final Object value;

        private LabelsPerContext(Object value) {
            this.value = value;
        }

        /** k words per context; 0 or less is refused by {@link #validate}. */
        public static LabelsPerContext of(int k) {
            return new LabelsPerContext(k);
        }

        public static LabelsPerContext exactTargets() {
            return new LabelsPerContext(EXACT);
        }

        /** As written in a config: a number (a whole float is that integer) or a word. */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static LabelsPerContext parse(Object v) {
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 0x1p31)
                return new LabelsPerContext(n.intValue());
            return new LabelsPerContext(v);
        }

        @JsonValue
        Object value() {
            return value;
        }

        public boolean exact() {
            return EXACT.equals(value);
        }

        /** k (only when not {@link #exact()}). */
        public int k() {
            return (Integer) value;
        }

        boolean valid() {
            return exact() || value instanceof Integer k && k >= 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LabelsPerContext l && java.util.Objects.equals(value, l.value);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hashCode(value);
        }

        @Override
        public String toString() {
            return String.valueOf(value);
        }
    }

    /** Checks ranges and names; throws a one-line {@link BadInputException} naming the key. */
    public TrainConfig validate() {
        positive("steps", steps);
        positive("batchSize", batchSize);
        positive("evalEvery", evalEvery);
        positive("checkpointEvery", checkpointEvery);
        positive("threads", threads);
        positive("data.evalSentences", data.evalSentences);
        nonNegative("gradClip", gradClip);
        oneOf("algorithm", algorithm, ALGORITHMS);
        if (algorithm.endsWith("sampled-labels")) {
            if (labelsPerContext == null)
                throw new BadInputException("config key 'labelsPerContext' is needed by algorithm " + algorithm
                    + " (k >= 1 words drawn per masked context, or exact)");
            if (!labelsPerContext.valid())
                fail("labelsPerContext", "must be a whole number >= 1 or exact", labelsPerContext);
        } else if (labelsPerContext != null) {
            throw new BadInputException("config key 'labelsPerContext' applies only to the sampled-labels algorithms, not to "
                + algorithm + (algorithm.endsWith("exact-target") ? " (its exact targets are labelsPerContext exact)" : ""));
        }
        if (!(adversarial.lambda >= 0)) fail("adversarial.lambda", "must be >= 0", adversarial.lambda);
        if (adversarial.batch < 9) fail("adversarial.batch", "must be >= 9 (7/8 support, 1/8 query)", adversarial.batch);
        if (!(adversarial.ridge > 0)) fail("adversarial.ridge", "must be > 0", adversarial.ridge);
        if (!(sam.rho > 0) || Double.isInfinite(sam.rho)) fail("sam.rho", "must be > 0", sam.rho);
        oneOf("device", device, Set.of("cpu", "cuda"));
        oneOf("data.masking", data.masking, Set.of("single", "bert"));
        if (data.masking.equals("bert") && (algorithm.contains("exact-target") || algorithm.endsWith("sampled-labels")))
            throw new BadInputException("config key 'algorithm': " + algorithm + " needs data.masking single (with bert masking "
                + "the exact targets p*(x_i | x_-i) would be conditioned on words that are masked or corrupted)");
        oneOf("optimizer.name", optimizer.name, Set.of("adamw", "sgd"));
        if (!(optimizer.lr > 0) || Double.isInfinite(optimizer.lr)) fail("optimizer.lr", "must be > 0", optimizer.lr);
        if (!(optimizer.beta1 >= 0 && optimizer.beta1 < 1)) fail("optimizer.beta1", "must be in [0, 1)", optimizer.beta1);
        if (!(optimizer.beta2 >= 0 && optimizer.beta2 < 1)) fail("optimizer.beta2", "must be in [0, 1)", optimizer.beta2);
        if (!(optimizer.eps > 0)) fail("optimizer.eps", "must be > 0", optimizer.eps);
        nonNegative("optimizer.weightDecay", optimizer.weightDecay);
        if (!(optimizer.momentum >= 0 && optimizer.momentum < 1)) fail("optimizer.momentum", "must be in [0, 1)", optimizer.momentum);
        if (schedule.warmup < 0) fail("schedule.warmup", "must be >= 0", schedule.warmup);
        oneOf("schedule.decay", schedule.decay, Set.of("constant", "linear", "cosine"));
        if (!(schedule.minLrRatio >= 0 && schedule.minLrRatio <= 1)) fail("schedule.minLrRatio", "must be in [0, 1]", schedule.minLrRatio);
        if (!(model.dropout >= 0 && model.dropout < 1)) fail("model.dropout", "must be in [0, 1)", model.dropout);
        oneOf("model.dtype", model.dtype, Set.of("float32", "float64"));
        return this;
    }

    private static void positive(String key, long v) {
        if (v < 1) fail(key, "must be >= 1", v);
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) fail(key, "must be >= 0 and finite", v);
    }

    private static void oneOf(String key, String v, Set<String> allowed) {
        if (v == null || !allowed.contains(v)) {
            throw new BadInputException("config key '" + key + "': '" + v + "' is not one of " + allowed.stream().sorted().toList());
        }
    }

    private static void fail(String key, String rule, Object v) {
        throw new BadInputException("config key '" + key + "' " + rule + ", got " + v);
    }
}
