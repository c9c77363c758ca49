package flatlm.experiment;

import flatlm.eval.DownstreamResult;
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
import flatlm.train.BatchSource;
import flatlm.train.Trainer;
import flatlm.util.Configs;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures one model the way every model of a reproduction is measured
 * ({@link ExperimentPlan.Measure}): the exact pre-training loss on a fixed held-out set, the
 * linear probe on each task (mean ± std over seeds, the same splits for every model) and Tr(H).
 * One instance per job: it holds its own language (languages are not shared across threads).
 */
final class Measurer {
    private final ExperimentPlan plan;
    private final Language language;
    private final ExactLoss.HeldOut heldOut;

    Measurer(ExperimentPlan plan) throws IOException {
        this.plan = plan;
        this.language = plan.language.build();
        this.heldOut = ExactLoss.HeldOut.of(language,
            BatchSource.heldOut(language, plan.measure.evalSentences, plan.measure.evalSeed));
    }

    Language language() {
        return language;
    }

    /** What identifies a measurement: every setting that changes its numbers. */
    static String key(ExperimentPlan plan) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("measure", plan.measure);
        k.put("language", plan.language);
        k.put("saturationKl", plan.saturationKl);
        return RunSpec.hash(Configs.toJsonLine(k));
    }

    ExactLoss.Result loss(MlmModel model) {
        return ExactLoss.evaluate(model, heldOut, Trainer.EVAL_ROWS);
    }

    Probe.Setup probeSetup() {
        ExperimentPlan.Measure m = plan.measure;
        return new Probe.Setup(m.probeTrain, m.probeTest, m.probeSeeds, 1, m.probeProject);
    }

    /** Probe accuracies and Bayes ceilings of {@code model} (null: the lookup table) on every task. */
    void probes(MlmModel model, Map<String, ResultRow.Accuracy> acc, Map<String, Double> bayes) {
        for (String name : plan.measure.tasks) {
            DownstreamTask task = language.task(name);
            DownstreamResult r = model == null
                ? Probe.lookup(language, task, probeSetup(), LinearProbe.Options.defaults(), 1, null)
                : Probe.probe(model, language, task, probeSetup(), LinearProbe.Options.defaults(), null);
            DownstreamResult.Summary s = r.accuracy();
            acc.put(name, new ResultRow.Accuracy(s.mean(), s.std(), s.n()));
            bayes.put(name, r.bayesAccuracy().mean());
        }
    }

    Estimate flatness(MlmModel model) {
        ExperimentPlan.Measure m = plan.measure;
        Budget budget = Budget.relStderr(m.flatnessRelStderr).withMaxSeconds(m.flatnessMaxSeconds).withMaxSamples(m.flatnessMaxSamples);
        ParameterSelection sel = m.flatnessExclude.isEmpty() ? ParameterSelection.all() : ParameterSelection.excluding(m.flatnessExclude);
        Flatness.Options o = Flatness.Options.defaults().withBudget(budget).withSelection(sel);
        return Flatness.measure(model, language, Flatness.Estimator.parse(m.flatness), o, null);
    }

    /** Every measurement of a model. */
    ResultRow measure(String experiment, String run, String variant, long step, double x, MlmModel model, String checkpoint) {
        ExactLoss.Result l = loss(model);
        Map<String, ResultRow.Accuracy> acc = new LinkedHashMap<>();
        Map<String, Double> bayes = new LinkedHashMap<>();
        probes(model, acc, bayes);
        Estimate t = flatness(model);
        return new ResultRow(experiment, run, variant, -1, step, x, model.numParameters(), l.crossEntropy(), l.entropy(), l.kl(),
            l.klStderr(), l.kl() < plan.saturationKl, t.value(), t.stderr(), t.estimator(), plan.measure.probeTrain, acc, bayes, checkpoint);
    }

    /** The same model's row with Tr(H) measured on another view of it (e.g. embedded into a larger architecture). */
    ResultRow withFlatnessOf(ResultRow base, String variant, MlmModel view) {
        Estimate t = flatness(view);
        return new ResultRow(base.experiment(), base.run(), variant, base.seed(), base.step(), base.x(), view.numParameters(), base.ce(),
            base.entropy(), base.kl(), base.klStderr(), base.saturated(), t.value(), t.stderr(), t.estimator(),
            base.probeTrain(), base.accuracy(), base.bayes(), base.checkpoint());
    }
}
