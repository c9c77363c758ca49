package flatlm.experiment;

import flatlm.eval.Headroom;
import flatlm.report.Experiment;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.LanguageSpec;
import flatlm.util.BadInputException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reproduction, as declared in {@code experiments/PRESET.yaml}: one language, how every model
 * is measured, and the experiments (SPEC.md section 5). Training settings are partial
 * {@code pretrain} configs (any key of {@code flatlm pretrain --print-config}) layered over
 * {@link #train}; an experiment left out (null) is not run.
 */
public final class ExperimentPlan {
    /** Preset name and one line on what it is for. */
    public String name = "custom";
    public String description = "";
    /** The language of every pre-training run (keys of {@code pretrain}'s {@code language}). */
    public LanguageSpec language = new LanguageSpec();
    /** A checkpoint is saturated when its exact KL to the true conditionals is below this (nats). */
    public double saturationKl = 0.01;
    /**
     * Pre-training seeds: every run of the convergence, size and algorithms experiments is trained
     * once per seed (a comparison between models is one between training procedures, so it needs
     * their variation across seeds). A run from scratch with seed s uses s for its initialisation
     * and batches; a continuation of seed s starts from its parent of seed s with the data seed
     * {@link RunSpec#dataSeed} (shared by the continuations of one parent, so their comparison is
     * paired: same start, same batches). Pruning prunes the first seed's run.
     */
    public List<Long> seeds = new ArrayList<>(List.of(1L));
    /** Pretrain keys shared by every run (model, optimizer, schedule, batch size, ...). */
    public ObjectNode train = JsonNodeFactory.instance.objectNode();
    public Measure measure = new Measure();
    public Convergence convergence;
    public Size size;
    public Algorithms algorithms;
    public Pruning pruning;
    public Noise noise;
    public Dyck dyck;

    /** How every evaluated model is measured. */
    public static final class Measure {
        /** Probe tasks; the first is the main one (plots, the linear-regime fit). */
        public List<String> tasks = new ArrayList<>(List.of("hmm:6"));
        /** Probe training examples of the main comparisons. */
        public int probeTrain = flatlm.eval.Probe.Setup.defaults().train();
        /**
         * More probe training sizes for the learning curves (e.g. [32, 128, 512]); every model is
         * probed at each on nested training sets with one test set (the split is drawn at the largest).
         */
        public List<Integer> probeCurve = new ArrayList<>();
        public int probeTest = flatlm.eval.Probe.Setup.defaults().test();
        public int probeSeeds = flatlm.eval.Probe.Setup.defaults().seeds();
        /** Random projection of the probe's features to this many dimensions (0 = none). */
        public int probeProject = flatlm.eval.Probe.Setup.defaults().project();
        /** Tr(H) estimator ({@link Estimator}): fisher (the paper's) or hutchinson; a sweep may say none. */
        public String flatness = "fisher";
        /** Tr(H) stops at this relative standard error (at least 20 samples) ... */
        public double flatnessRelStderr = flatlm.flatness.Budget.DEFAULT_REL_STDERR;
        /** ... or at this many samples, recorded as trH_stop max-samples in results.csv. */
        public long flatnessMaxSamples = flatlm.flatness.Budget.DEFAULT_MAX;
        /**
         * An optional time limit in seconds (null: none). A limit in seconds makes the estimate's
         * precision depend on the machine's load, so presets stop on samples instead.
         */
        public Double flatnessMaxSeconds;
        /** Parameter names or prefixes left out of Tr(H). */
        public List<String> flatnessExclude = new ArrayList<>();
        /**
         * Held-out sentences of the exact loss: the plan's one held-out set, measured into results.csv and
         * given to every run as its {@code data.evalSentences}/{@code data.evalSeed} (metrics.jsonl), so
         * the two files give one KL for one checkpoint.
         */
        public int evalSentences = flatlm.train.HeldOutSpec.DEFAULT_SENTENCES;
        public long evalSeed = flatlm.train.HeldOutSpec.DEFAULT_SEED;

        /** The Tr(H) estimators a measure section may name. */
        public enum Estimator {
            FISHER("fisher"), HUTCHINSON("hutchinson"), /** No Tr(H) (sweeps only: the report's comparisons need it). */ NONE("none");

            public final String id;

            Estimator(String id) {
                this.id = id;
            }

            /** The estimator of {@code flatness}, or null for an unknown name. */
            static Estimator of(String name) {
                for (Estimator e : values()) if (e.id.equals(name)) return e;
                return null;
            }
        }

        /** This section's estimator (validated). */
        public Estimator estimator() {
            return Estimator.of(flatness);
        }

        /**
         * The one check of a measure section, for {@code reproduce} and {@code sweep}: probe sizes,
         * seeds and representations, the estimator (NONE only where {@code noneAllowed}) and its
         * budget, the held-out set. Empty lists stand for null ones.
         */
        public void validate(String source, boolean noneAllowed) {
            if (tasks == null) tasks = new ArrayList<>();
            if (probeCurve == null) probeCurve = new ArrayList<>();
            if (probeRepresentation == null) probeRepresentation = new LinkedHashMap<>();
            if (probeLayers == null) probeLayers = new ArrayList<>();
            if (probeTrain < 1) throw new BadInputException(source + ": measure.probeTrain must be at least 1");
            for (int n : probeCurve) if (n < 1)
                throw new BadInputException(source + ": measure.probeCurve sizes must be at least 1, got " + n);
            if (probeSeeds < 1) throw new BadInputException(source + ": measure.probeSeeds must be at least 1");
            for (var e : probeRepresentation.entrySet()) {
                if (!tasks.contains(e.getKey())) throw new BadInputException(source + ": measure.probeRepresentation names "
                    + e.getKey() + ", which is not in measure.tasks " + tasks);
                try {
                    flatlm.eval.Representation.parse(e.getValue());
                } catch (BadInputException x) {
                    throw new BadInputException(source + ": measure.probeRepresentation." + e.getKey() + ": " + x.getMessage());
                }
            }
            for (String r : probeLayers) {
                try {
                    flatlm.eval.Representation.Read.parse(r);
                } catch (BadInputException x) {
                    throw new BadInputException(source + ": measure.probeLayers: " + x.getMessage());
                }
            }
            Estimator e = Estimator.of(flatness);
            if (e == null || (e == Estimator.NONE && !noneAllowed))
                throw new BadInputException(source + ": measure.flatness must be fisher" + (noneAllowed ? ", hutchinson or none" : " or hutchinson")
                    + ", got '" + flatness + "'");
            if (!(flatnessRelStderr > 0)) throw new BadInputException(source + ": measure.flatnessRelStderr must be positive");
            if (flatnessMaxSamples < 2) throw new BadInputException(source + ": measure.flatnessMaxSamples must be at least 2, got "
                + flatnessMaxSamples);
            if (flatnessMaxSeconds != null && !(flatnessMaxSeconds > 0))
                throw new BadInputException(source + ": measure.flatnessMaxSeconds must be positive (or left out: no time limit)");
            if (evalSentences < 1) throw new BadInputException(source + ": measure.evalSentences must be at least 1");
        }

        /** The held-out set of the measured exact loss (results.csv) and of every run's training log. */
        public flatlm.train.HeldOutSpec heldOut() {
            return new flatlm.train.HeldOutSpec(evalSentences, evalSeed);
        }

        /** The pretrain keys that give a run this held-out set: {@code data: {evalSentences, evalSeed}}. */
        public ObjectNode heldOutLayer() {
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            data.put("evalSentences", evalSentences);
            data.put("evalSeed", evalSeed);
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.set("data", data);
            return n;
        }

        /** A one-line error when run {@code id}'s training keys chose another held-out set than this one. */
        public void requireHeldOut(flatlm.train.TrainConfig cfg, String source, String id) {
            if (cfg.data.heldOut().equals(heldOut())) return;
            throw new BadInputException(source + ": run " + id + " sets data.evalSentences " + cfg.data.evalSentences
                + " / data.evalSeed " + cfg.data.evalSeed + ", but a plan has one held-out set, measure.evalSentences "
                + evalSentences + " / measure.evalSeed " + evalSeed + ": set it there and drop data.eval* from the training keys");
        }
        /**
         * The representation the main probe reads, per task ("LAYER/READ", {@link flatlm.eval.Representation#parse}:
         * final/concat = the paper's, 2/masked, ...); a task not listed reads final/concat. Stated in the report.
         */
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        public Map<String, String> probeRepresentation = new LinkedHashMap<>();
        /**
         * Per-layer probe curves (reads: concat, masked; empty = off): every layer state of the final
         * checkpoint of every run and of each seed's random initialisation, at the main probe size, into
         * {@code probe_layers.csv} and a report section. Not part of the main measurements' identity:
         * turning it on measures only the layers.
         */
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        public List<String> probeLayers = new ArrayList<>();

        /** The representation of the main probe on {@code task}. */
        public flatlm.eval.Representation representation(String task) {
            String r = probeRepresentation.get(task);
            return r == null ? flatlm.eval.Representation.DEFAULT : flatlm.eval.Representation.parse(r);
        }
    }

    /** Experiment 1: one long AdamW run, then an SGD continuation of its last checkpoint. */
    public static final class Convergence {
        /** Pretrain keys of the AdamW run (over {@code train}). */
        public ObjectNode adamw = JsonNodeFactory.instance.objectNode();
        /** Pretrain keys of the SGD continuation (over {@code train}); null = no SGD run. */
        public ObjectNode sgd;
    }

    /** Experiment 2: several widths trained to saturation, each embedded into {@code embedInto}. */
    public static final class Size {
        /** Pretrain keys shared by the sizes (over {@code train}). */
        public ObjectNode train = JsonNodeFactory.instance.objectNode();
        /**
         * Per size: model keys (d, heads, layers, dInter), and optionally {@code train:} pretrain keys of
         * that size alone (e.g. {@code {steps: 20000}}: the claim compares saturated models, not equal steps).
         */
        public List<ObjectNode> sizes = new ArrayList<>();
        /** The large architecture (d, heads, layers, dInter); its width a multiple of every size's. */
        public Map<String, Integer> embedInto = new LinkedHashMap<>();

        static final String TRAIN = "train";

        /** A size's model keys (its entry without {@code train}). */
        ObjectNode model(ObjectNode size) {
            ObjectNode m = size.deepCopy();
            m.remove(TRAIN);
            return m;
        }
    }

    /** Experiment 3: continuations of the convergence run's last AdamW checkpoint, one per algorithm. */
    public static final class Algorithms {
        /** Pretrain keys shared by the continuations (over {@code train}). */
        public ObjectNode train = JsonNodeFactory.instance.objectNode();
        /** Label → pretrain keys (e.g. {@code algorithm: sam}). */
        public Map<String, ObjectNode> runs = new LinkedHashMap<>();
        /** Also probe the lookup table (exact conditionals, no model). */
        public boolean lookup = true;
    }

    /** The linear regime: global magnitude pruning of the convergence run's last AdamW checkpoint. */
    public static final class Pruning {
        public List<Double> sparsities = new ArrayList<>();
        /** Optional recovery training of each pruned model with its zeros kept (0 = none). */
        public int recoverySteps = 0;
        /** Pretrain keys of the recovery runs (over {@code train}), e.g. a small constant learning rate. */
        public ObjectNode recovery = JsonNodeFactory.instance.objectNode();
    }

    /**
     * The mechanism tested by intervention (issue 23): from each seed's convergence AdamW run's last
     * checkpoint, continuations for the same steps on the same batches (same data seed), one per
     * optimizer and label-noise level, differing only in the labels: {@code sampled-labels} with k
     * words per masked context, or exact targets (no label noise). Run label OPTIMIZER-kK or OPTIMIZER-exact.
     */
    public static final class Noise {
        /** Where the continuations start: {@code convergence} (each seed's AdamW run's last checkpoint; the only source). */
        public String from = Experiment.CONVERGENCE.id();
        /** Pretrain keys shared by the continuations (over {@code train}); not algorithm or labelsPerContext (the levels set them). */
        public ObjectNode train = JsonNodeFactory.instance.objectNode();
        /** Label → optimizer keys (name, lr, weightDecay, ...): one set of continuations per optimizer. */
        public Map<String, ObjectNode> optimizers = new LinkedHashMap<>();
        /** The levels: words per masked context k (whole numbers >= 1), and {@code exact} (exact targets, the control). */
        public List<Object> labelsPerContext = new ArrayList<>();
    }

    /** The Dyck theory experiment (paper Section 6). */
    public static final class Dyck {
        public int n = flatlm.dyck.DyckExperiment.Options.defaults().n();
        /** SGD steps of the drift runs (null: the experiment's default). */
        public Integer sgdSteps;
        public int[] widths;
    }

    /** Every probe training size, ascending: the main one and the learning curve's. */
    public int[] probeSizes() {
        java.util.TreeSet<Integer> all = new java.util.TreeSet<>(measure.probeCurve);
        all.add(measure.probeTrain);
        return all.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Replaces the pre-training seeds and/or the language seed (null keeps the plan's) and validates
     * again: a replication of the same design on new draws. Returns this plan.
     */
    public ExperimentPlan reseed(List<Long> pretrainingSeeds, Long languageSeed) {
        if (pretrainingSeeds != null) seeds = new ArrayList<>(pretrainingSeeds);
        if (languageSeed != null) language.seed = languageSeed;
        return validate(pretrainingSeeds != null ? "--seeds" : "--language-seed");
    }

    /** One-line errors for values no run could use. */
    public ExperimentPlan validate(String source) {
        if (!(saturationKl > 0)) throw new BadInputException(source + ": saturationKl must be positive, got " + saturationKl);
        if (measure.tasks == null || measure.tasks.isEmpty()) throw new BadInputException(source + ": measure.tasks must name at least one task");
        if (seeds == null || seeds.isEmpty()) throw new BadInputException(source + ": seeds must name at least one pre-training seed");
        if (seeds.stream().distinct().count() != seeds.size()) throw new BadInputException(source + ": seeds has duplicates: " + seeds);
        for (long s : seeds) RunSpec.requirePretrainingSeed(source + ": seeds", s);
        measure.validate(source, false);
        if (size != null && size.sizes.isEmpty()) throw new BadInputException(source + ": size.sizes is empty");
        if (size != null) for (ObjectNode sz : size.sizes)
            if (sz.has(Size.TRAIN) && !sz.get(Size.TRAIN).isObject())
                throw new BadInputException(source + ": size.sizes: 'train' of width " + sz.path("d").asText("?") + " must be a map of pretrain keys");
        if (size != null) for (String k : List.of("d", "heads", "layers", "dInter"))
            if (!size.embedInto.containsKey(k)) throw new BadInputException(source + ": size.embedInto needs '" + k + "'");
        if (pruning != null) for (double s : pruning.sparsities)
            if (!(s >= 0 && s < 1)) throw new BadInputException(source + ": pruning sparsities must be in [0, 1), got " + s);
        if (pruning != null && pruning.recoverySteps < 0) throw new BadInputException(source + ": pruning.recoverySteps must be >= 0");
        if ((algorithms != null || pruning != null || noise != null) && convergence == null)
            throw new BadInputException(source + ": the algorithms, pruning and noise experiments start from the convergence run's "
                + "last checkpoint; declare convergence too");
        if (noise != null) NoiseExperiment.validate(noise, source);
        return this;
    }

    /**
     * A warning when the plan's main task leaves less than {@link Headroom#USEFUL_POINTS} points
     * between the lookup-table probe and the Bayes ceiling (one probe seed at the main training
     * size): there, every model probes alike and no comparison can show anything. Null when there
     * is room, or when the lookup table or the Bayes ceiling is undefined.
     */
    public String headroomWarning() throws java.io.IOException {
        flatlm.lang.Language built = language.build();
        if (Headroom.lookupUndefined(built) != null) return null;
        String name = measure.tasks.get(0);
        double gap = Headroom.lookupGap(built, built.task(name), measure.probeTrain, measure.probeTest, 1);
        if (!Double.isFinite(gap) || gap >= Headroom.USEFUL_POINTS) return null;
        return String.format(java.util.Locale.ROOT, "%s: the main task %s has %.1f points between the lookup table and the Bayes "
            + "ceiling (%d probe examples); below %.0f, models probe alike and the downstream comparisons cannot show an effect "
            + "(check a language with 'flatlm lang headroom')", this.name, name, gap, measure.probeTrain, Headroom.USEFUL_POINTS);
    }
}
