package flatlm.experiment;

import flatlm.report.Experiment;
import flatlm.eval.DownstreamResult;
import flatlm.eval.DownstreamSplit;
import flatlm.eval.FeatureExtractor;
import flatlm.eval.LookupTable;
import flatlm.eval.ModelFeatures;
import flatlm.eval.ExactLoss;
import flatlm.eval.LinearProbe;
import flatlm.eval.Probe;
import flatlm.flatness.Budget;
import flatlm.flatness.Estimate;
import flatlm.flatness.Flatness;
import flatlm.flatness.ParameterSelection;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.report.ResultRow;
import flatlm.report.Saturation;
import flatlm.stats.Summary;
import flatlm.train.TrainConfig;
import flatlm.train.Trainer;
import flatlm.util.Configs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures one model the way every model of a reproduction is measured
 * ({@link ExperimentPlan.Measure}): the exact pre-training loss on a fixed held-out set, the
 * linear probe on each task (mean ± std over seeds, the same splits for every model) and Tr(H).
 * One instance per job: it holds its own language (languages are not shared across threads).
 */
public final class Measurer {
    private final ExperimentPlan plan;
    private final Language language;
    private final ExactLoss.HeldOut heldOut;
    /** Task → the probe splits (one per probe seed), drawn once at the largest probe size. */
    private final Map<String, List<DownstreamSplit>> splits = new HashMap<>();

    public Measurer(ExperimentPlan plan) throws IOException {
        this.plan = plan;
        this.language = plan.language.build();
        this.heldOut = plan.measure.heldOut().build(language);
    }

    Language language() {
        return language;
    }

    /**
     * What identifies a measurement: every setting that changes its numbers (the measure section
     * and the language with its files). Not the saturation threshold: the rows are re-labelled
     * with the plan's when collected ({@link ResultRow#withSaturation}).
     */
    public static Provenance provenance(ExperimentPlan plan) {
        Map<String, Object> k = new LinkedHashMap<>();
        com.fasterxml.jackson.databind.node.ObjectNode measure = (com.fasterxml.jackson.databind.node.ObjectNode) Configs.toTree(plan.measure);
        measure.remove("probeLayers"); // measured apart (LayerProbes), so turning it on re-measures nothing else
        k.put("measure", measure);
        k.put("language", plan.language);
        return Provenance.of(k, plan.language);
    }

    ExactLoss.Result loss(MlmModel model) {
        return ExactLoss.evaluate(model, heldOut, Trainer.EVAL_ROWS);
    }

    Probe.Setup probeSetup() {
        ExperimentPlan.Measure m = plan.measure;
        return new Probe.Setup(plan.probeSizes()[plan.probeSizes().length - 1], m.probeTest, m.probeSeeds, 1, m.probeProject);
    }

    /** Probe results of one probe training size: task → accuracy, task → Bayes ceiling. */
    record Probes(int train, Map<String, ResultRow.Accuracy> accuracy, Map<String, Double> bayes) {}

    /**
     * Probes of {@code model} (null: the lookup table) on every task at every probe training size
     * ({@link ExperimentPlan#probeSizes}), the main size first: one learning curve per task on
     * the same splits for every model (drawn once, at the largest size).
     */
    List<Probes> probes(MlmModel model) {
        return probes(model, plan.measure::representation);
    }

    /** As {@link #probes(MlmModel)}, each task read through {@code representation} (task → the representation). */
    List<Probes> probes(MlmModel model, java.util.function.Function<String, flatlm.eval.Representation> representation) {
        int[] sizes = plan.probeSizes();
        Map<Integer, Probes> bySize = new LinkedHashMap<>();
        bySize.put(plan.measure.probeTrain, new Probes(plan.measure.probeTrain, new LinkedHashMap<>(), new LinkedHashMap<>()));
        for (int n : sizes) bySize.putIfAbsent(n, new Probes(n, new LinkedHashMap<>(), new LinkedHashMap<>()));
        for (String name : plan.measure.tasks) {
            DownstreamTask task = language.task(name);
            List<DownstreamSplit> sp = splits.computeIfAbsent(name, k -> Probe.splits(task, probeSetup()));
            FeatureExtractor features;
            flatlm.eval.Representation rep = representation.apply(name);
            if (model == null) { // the lookup table has no layers; its masked read is [p*(.|x_-k) ; onehot x_k]
                Probe.requireLookupDefined(language);
                features = new LookupTable(language, 1, rep.positionOf(task));
            } else {
                features = new ModelFeatures(model, language.maxLength(), rep, rep.positionOf(task));
            }
            Map<Integer, DownstreamResult> curve = Probe.curve(model == null ? "lookup" : "probe", features, language, task, sp,
                sizes, probeSetup(), LinearProbe.Options.defaults(), null);
            for (var e : curve.entrySet()) {
                Summary a = e.getValue().accuracy(), ce = e.getValue().crossEntropy();
                Probes p = bySize.get(e.getKey());
                int unconverged = (int) e.getValue().seeds().stream().filter(r -> !r.converged()).count();
                p.accuracy().put(name, new ResultRow.Accuracy(a.mean(), a.std(), a.n(), ce.mean(), ce.std(), unconverged));
                p.bayes().put(name, e.getValue().bayesAccuracy().mean());
            }
        }
        return new ArrayList<>(bySize.values());
    }

    Estimate flatness(MlmModel model) {
        ExperimentPlan.Measure m = plan.measure;
        Budget samples = Budget.relStderr(m.flatnessRelStderr).withMaxSamples(m.flatnessMaxSamples);
        Budget budget = m.flatnessMaxSeconds == null ? samples : samples.withMaxSeconds(m.flatnessMaxSeconds);
        ParameterSelection sel = m.flatnessExclude.isEmpty() ? ParameterSelection.all() : ParameterSelection.excluding(m.flatnessExclude);
        Flatness.Options o = Flatness.Options.defaults().with(c -> {
            c.budget = budget;
            c.selection = sel;
        });
        return Flatness.measure(model, language, Flatness.Estimator.parse(m.flatness), o, null);
    }

    /**
     * Every measurement of a model: one row per probe training size (the main size first), with
     * the same exact loss and Tr(H). {@code seed} is the run's pre-training seed; {@code training}
     * the run's configuration (its algorithm and label noise go into the rows).
     */
    public List<ResultRow> measure(String experiment, String run, String variant, long seed, long step, double x, MlmModel model,
                            String checkpoint, TrainConfig training) {
        ExactLoss.Result l = loss(model);
        List<Probes> probes = probes(model);
        Estimate t = plan.measure.estimator() == ExperimentPlan.Measure.Estimator.NONE ? null : flatness(model);
        List<ResultRow> out = new ArrayList<>();
        for (Probes p : probes) out.add(row(experiment, run, variant, seed, step, x, model, checkpoint, l, t, p, training));
        return out;
    }

    /** The exact loss and Tr(H) of a model without probes: one row, probe_train 0 (a checkpoint along a run). */
    List<ResultRow> measureUnprobed(String experiment, String run, String variant, long seed, long step, double x, MlmModel model,
                                    String checkpoint, TrainConfig training) {
        ExactLoss.Result l = loss(model);
        Estimate t = plan.measure.estimator() == ExperimentPlan.Measure.Estimator.NONE ? null : flatness(model);
        return List.of(row(experiment, run, variant, seed, step, x, model, checkpoint, l, t,
            new Probes(0, new LinkedHashMap<>(), new LinkedHashMap<>()), training));
    }

    private ResultRow row(String experiment, String run, String variant, long seed, long step, double x, MlmModel model,
                          String checkpoint, ExactLoss.Result l, Estimate t, Probes p, TrainConfig training) {
        return ResultRow.builder().model(experiment, run, variant).at(seed, step, x).parameters(model.numParameters())
            .loss(l.crossEntropy(), l.entropy(), l.kl(), l.klStderr()).saturated(Saturation.saturated(l.kl(), plan.saturationKl))
            .trace(t == null ? Double.NaN : t.value(), t == null ? Double.NaN : t.stderr(), t == null ? "" : t.estimator(),
                t == null ? "" : t.stop())
            .probes(plan.measure.tasks.isEmpty() ? 0 : p.train(), p.accuracy(), p.bayes()).checkpoint(checkpoint)
            .training(training.algorithm, training.labelsPerContextK()).build();
    }

    /**
     * The same model's rows ({@code base}: one per probe size, as {@link #measure} gives them) probed through
     * another representation (e.g. final/masked beside the paper's final/concat): its loss and Tr(H) kept.
     */
    List<ResultRow> withRepresentation(List<ResultRow> base, String variant, MlmModel model,
                                       java.util.function.Function<String, flatlm.eval.Representation> representation) {
        List<ResultRow> out = new ArrayList<>();
        for (Probes p : probes(model, representation)) {
            ResultRow b = base.stream().filter(r -> r.probeTrain() == p.train()).findFirst().orElse(base.get(0));
            out.add(b.toBuilder().variant(variant).probes(p.train(), p.accuracy(), p.bayes()).build());
        }
        return out;
    }

    /** The lookup table's rows (no model, no pre-training seed; algorithm "lookup"). */
    List<ResultRow> lookup() {
        List<ResultRow> out = new ArrayList<>();
        for (Probes p : probes(null)) {
            out.add(ResultRow.builder().model(Experiment.ALGORITHMS.id(), "lookup", "").trace(Double.NaN, Double.NaN, "", "")
                .probes(p.train(), p.accuracy(), p.bayes()).checkpoint("").training(LOOKUP, Double.NaN).build());
        }
        return out;
    }

    /** The algorithm recorded for the lookup table's rows. */
    static final String LOOKUP = "lookup";

    /** The same model's rows with Tr(H) measured on another view of it (e.g. embedded into a larger architecture). */
    List<ResultRow> withFlatnessOf(List<ResultRow> base, String variant, MlmModel view) {
        Estimate t = flatness(view);
        return base.stream().map(b -> withFlatness(b, variant, view, t)).toList();
    }

    private static ResultRow withFlatness(ResultRow base, String variant, MlmModel view, Estimate t) {
        return base.toBuilder().variant(variant).parameters(view.numParameters()).trace(t.value(), t.stderr(), t.estimator(), t.stop())
            .build();
    }
}
