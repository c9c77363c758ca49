package flatlm.experiment;

import flatlm.report.Experiment;
import flatlm.exec.Jobs;
import flatlm.exec.Log;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.model.MlmModel;
import flatlm.model.Pruning;
import flatlm.report.ResultRow;
import flatlm.train.Checkpoint;
import flatlm.train.Trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reproduction's pruning experiment (the linear regime): the final checkpoint of the source
 * run (the first seed's convergence AdamW run) pruned by global magnitude at each of the plan's
 * sparsities and measured, then each pruned model after recovery training (its zeros kept),
 * measured again. Rows live in {@code runs/pruning-prune-sSEED-HASH/measurements.jsonl}.
 */
final class PruningExperiment {
    /** The source run's final checkpoint, verified. */
    interface FinalCheckpoint {
        Path get() throws IOException;
    }

    private final ExperimentPlan plan;
    private final Path out;
    private final Provenance measureKey;
    private final Log log;
    private final RunSpec source;
    private final JsonNode languageLayer;
    private final FinalCheckpoint finalCheckpoint;

    PruningExperiment(ExperimentPlan plan, Path out, Provenance measureKey, Log log, RunSpec source, JsonNode languageLayer,
                      FinalCheckpoint finalCheckpoint) {
        this.plan = plan;
        this.out = out;
        this.measureKey = measureKey;
        this.log = log;
        this.source = source;
        this.languageLayer = languageLayer;
        this.finalCheckpoint = finalCheckpoint;
    }

    /** The recovery settings as they follow "|" in a recovered row's id. */
    String recoveredDerivation() {
        Map<String, Object> recovery = new LinkedHashMap<>();
        recovery.put("recovery", plan.pruning.recovery);
        recovery.put("steps", plan.pruning.recoverySteps);
        return "recovered-" + Reproduction.settingsHash(recovery);
    }

    /** The experiment's directory: its measurements and recovery runs. */
    Path dir() {
        return out.resolve("runs").resolve("pruning-prune-s" + source.seed() + "-" + source.hash());
    }

    /** Measures the source run's final checkpoint pruned at each sparsity (then, if asked, after recovery training). */
    void measure() throws IOException {
        Path cp = finalCheckpoint.get();
        MeasurementLog<ResultRow> mlog = MeasurementLog.of(dir(), measureKey);
        Measurer m = null;
        for (double s : plan.pruning.sparsities) {
            String variant = String.format("sparsity-%.2f", s);
            if (mlog.get(variant) != null) continue;
            if (m == null) m = new Measurer(plan);
            MlmModel model = Checkpoint.openDirectory(cp).model(source.config().device);
            Pruning.prune(model, s);
            long step = Checkpoint.readState(cp).step();
            List<ResultRow> rows = m.measure(Experiment.PRUNING.id(), "prune", variant, source.seed(), step, s, model, out.relativize(cp) + "#" + variant,
                source.config());
            mlog.put(variant, rows);
            ResultRow row = rows.get(0);
            log.info(String.format("measured pruning %s: KL %.4f, %s %.4f, Tr(H) %.1f", variant, row.kl(), plan.measure.tasks.get(0),
                row.acc(plan.measure.tasks.get(0)), row.trH()));
        }
        if (plan.pruning.recoverySteps > 0) recoverPruned(cp, mlog);
    }

    /** Recovery training of each pruned model (its zeros kept after every step), then the same measurements. */
    private void recoverPruned(Path cp, MeasurementLog<ResultRow> mlog) throws IOException {
        ObjectNode steps = JsonNodeFactory.instance.objectNode();
        steps.put("steps", plan.pruning.recoverySteps);
        steps.put("checkpointEvery", plan.pruning.recoverySteps);
        Measurer m = null;
        for (double s : plan.pruning.sparsities) {
            String variant = String.format("sparsity-%.2f", s);
            String id = variant + "|" + recoveredDerivation();
            if (mlog.get(id) != null) continue;
            Path dir = dir().resolve("recover-" + variant);
            Checkpoint.deleteRecursively(dir);
            RunSpec spec = RunSpec.of(Experiment.PRUNING.id(), "recover-" + variant, source.seed(), source, plan.name, languageLayer, plan.train,
                plan.pruning.recovery, steps);
            plan.measure.requireHeldOut(spec.config(), plan.name, spec.id());
            spec.config().initFrom = cp.toAbsolutePath().toString();
            Trainer t = Trainer.start(spec.config(), dir);
            Pruning.prune(t.model(), s); // before step 0, so the run's first checkpoint is the pruned model
            t.afterEachStep(Pruning.keepZeros(t.model()));
            Trainer.Outcome o = t.run(0, null);
            if (o.divergedAt() > 0) throw new Jobs.RunFailed("pruning recovery " + variant + " diverged at step " + o.divergedAt());
            if (m == null) m = new Measurer(plan);
            List<ResultRow> rows = m.measure(Experiment.PRUNING.id(), "prune-recovered", variant, source.seed(), o.step(), s, t.model(),
                out.relativize(o.lastCheckpoint()).toString(), spec.config());
            mlog.put(id, rows);
            ResultRow row = rows.get(0);
            log.info(String.format("measured pruning %s after %d recovery steps: KL %.4f, %s %.4f, Tr(H) %.1f", variant, o.step(),
                row.kl(), plan.measure.tasks.get(0), row.acc(plan.measure.tasks.get(0)), row.trH()));
        }
    }
}
