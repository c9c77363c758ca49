package flatlm.experiment;

import flatlm.report.Experiment;
import flatlm.exec.Log;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.eval.Representation;
import flatlm.model.MlmModel;
import flatlm.report.ResultRow;
import flatlm.train.Checkpoint;
import flatlm.train.Trainer;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The mechanism tested by intervention (issue 23, {@link ExperimentPlan.Noise}): per pre-training
 * seed, continuations of the convergence AdamW run's last checkpoint, one per optimizer and
 * label-noise level. They are ordinary continuations ({@link RunSpec#of} with the parent, as the
 * algorithms experiment's): the same data seed {@link RunSpec#dataSeed}, so the same sentences and
 * masks at every step, the same steps and start, and only {@code algorithm}/{@code labelsPerContext}
 * differ between the levels of one optimizer (sampled-labels with k words per context, or
 * exact-target). Measured at every checkpoint after step 0 (KL, Tr(H); step 0 is the parent's last
 * checkpoint, measured as the convergence run's), probed at the last with the plan's representation
 * and, as variant rows "final/concat" and "final/masked", with the paper's read and the masked read
 * where the plan's is not already that read on every task.
 */
final class NoiseExperiment {
    static final String EXACT = "exact";

    /** A noise level: k words drawn per masked context, or exact targets (k null). */
    record Level(Integer k) {
        /** "k16" or "exact", the run label's suffix. */
        String id() {
            return k == null ? EXACT : "k" + k;
        }

        /** The pretrain keys of the level: {@code algorithm} and {@code labelsPerContext} (null for exact targets). */
        ObjectNode layer() {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("algorithm", k == null ? "exact-target" : "sampled-labels");
            if (k == null) n.putNull("labelsPerContext");
            else n.put("labelsPerContext", k);
            return n;
        }
    }

    private final ExperimentPlan plan;
    private final Path out;
    private final Provenance measureKey;
    private final Log log;

    NoiseExperiment(ExperimentPlan plan, Path out, Provenance measureKey, Log log) {
        this.plan = plan;
        this.out = out;
        this.measureKey = measureKey;
        this.log = log;
    }

    /** One-line errors naming the key ({@code source}: the plan file). */
    static void validate(ExperimentPlan.Noise n, String source) {
        String at = source + ": noise.";
        if (!Experiment.CONVERGENCE.is(n.from))
            throw new BadInputException(at + "from must be convergence (each seed's convergence AdamW run's last checkpoint), got '"
                + n.from + "'");
        if (n.train == null) n.train = JsonNodeFactory.instance.objectNode();
        for (String k : List.of("algorithm", "labelsPerContext", "initFrom"))
            if (n.train.has(k)) throw new BadInputException(at + "train sets '" + k + "', which the experiment sets itself "
                + "(the levels in noise.labelsPerContext, the start in noise.from)");
        if (n.optimizers == null || n.optimizers.isEmpty())
            throw new BadInputException(at + "optimizers must name at least one optimizer (label: {name: sgd, lr: ...})");
        for (Map.Entry<String, ObjectNode> e : n.optimizers.entrySet()) {
            if (!e.getKey().matches("[A-Za-z0-9_]+"))
                throw new BadInputException(at + "optimizers: label '" + e.getKey() + "' must be letters, digits or _ (it names runs)");
            if (e.getValue() == null) throw new BadInputException(at + "optimizers." + e.getKey() + " must be optimizer keys ({name: sgd, lr: ...})");
            flatlm.util.Configs.bind(e.getValue(), flatlm.train.TrainConfig.Optimizer.class, at + "optimizers." + e.getKey()); // its keys
        }
        List<Level> levels = levels(n, source);
        if (levels.stream().noneMatch(l -> l.k() == null) || levels.stream().allMatch(l -> l.k() == null))
            throw new BadInputException(at + "labelsPerContext must list exact (the no-noise control) and at least one k, got "
                + n.labelsPerContext);
    }

    /** The levels in the order given: whole numbers k >= 1 and exact, no duplicates. */
    static List<Level> levels(ExperimentPlan.Noise n, String source) {
        String at = source + ": noise.labelsPerContext";
        if (n.labelsPerContext == null || n.labelsPerContext.isEmpty())
            throw new BadInputException(at + " must list the noise levels (e.g. [4, 16, 64, exact])");
        List<Level> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Object o : n.labelsPerContext) {
            Level l;
            if (EXACT.equals(o)) l = new Level(null);
            else if ((o instanceof Integer || o instanceof Long) && ((Number) o).longValue() >= 1 && ((Number) o).longValue() <= Integer.MAX_VALUE)
                l = new Level(((Number) o).intValue());
            else throw new BadInputException(at + ": each level is a whole number k >= 1 (words per context) or exact, got '" + o + "'");
            if (!seen.add(l.id())) throw new BadInputException(at + " lists " + o + " twice");
            out.add(l);
        }
        return out;
    }

    /** The run label of optimizer {@code optimizer} at {@code level}: sgd-k4, sgd-exact. */
    static String label(String optimizer, Level level) {
        return optimizer + "-" + level.id();
    }

    /**
     * The continuations of {@code parent} (seed {@code seed}'s convergence AdamW run): per optimizer (in label
     * order, as plan.yaml writes them), per level (in the plan's order).
     */
    static List<RunSpec> runs(ExperimentPlan plan, RunSpec parent, long seed, JsonNode languageLayer) {
        List<RunSpec> out = new ArrayList<>();
        List<Level> levels = levels(plan.noise, plan.name);
        for (Map.Entry<String, ObjectNode> o : new TreeMap<>(plan.noise.optimizers).entrySet()) {
            ObjectNode optimizer = JsonNodeFactory.instance.objectNode();
            optimizer.set("optimizer", o.getValue());
            for (Level l : levels)
                out.add(RunSpec.of(Experiment.NOISE.id(), label(o.getKey(), l), seed, parent, plan.name, languageLayer, plan.train, plan.noise.train,
                    optimizer, l.layer()));
        }
        return out;
    }

    /** The reads measured beside the plan's representation: final/concat and final/masked, unless the plan's is that read on every task. */
    List<Representation> extraReads() {
        List<Representation> out = new ArrayList<>();
        for (Representation.Read read : Representation.Read.values()) {
            Representation rep = new Representation(Representation.FINAL, read);
            if (!plan.measure.tasks.stream().allMatch(t -> plan.measure.representation(t).equals(rep))) out.add(rep);
        }
        return out;
    }

    static String variant(Representation rep) {
        return rep.layerId() + "/" + rep.read().id;
    }

    /** Measures run {@code r} (trained in {@code trainingDir}) as the class comment says; what is measured already is kept. */
    void measure(RunSpec r, Path trainingDir) throws IOException {
        MeasurementLog<ResultRow> mlog = MeasurementLog.of(r.dir(out), measureKey);
        List<Path> cps = new ArrayList<>();
        for (Path cp : Checkpoint.list(trainingDir.resolve(Trainer.CHECKPOINTS))) if (Checkpoint.readState(cp).step() > 0) cps.add(cp);
        Measurer m = null;
        for (int i = 0; i < cps.size(); i++) {
            Path cp = cps.get(i);
            boolean last = i == cps.size() - 1;
            String id = cp.getFileName().toString(), where = out.relativize(cp).toString();
            long step = Checkpoint.readState(cp).step();
            MlmModel model = null;
            List<ResultRow> rows = mlog.get(id);
            if (rows == null) {
                if (m == null) m = new Measurer(plan);
                model = Checkpoint.openDirectory(cp).model(r.config().device);
                rows = last ? m.measure(Experiment.NOISE.id(), r.label(), "", r.seed(), step, step, model, where, r.config())
                    : m.measureUnprobed(Experiment.NOISE.id(), r.label(), "", r.seed(), step, step, model, where, r.config());
                mlog.put(id, rows);
                ResultRow row = rows.get(0);
                log.info(String.format("measured %s step %d: KL %.4f, Tr(H) %.1f ± %.1f%s", r.id(), step, row.kl(), row.trH(),
                    row.trHStderr(), last ? String.format(", %s %.4f", plan.measure.tasks.get(0), row.acc(plan.measure.tasks.get(0))) : ""));
            }
            if (!last) continue;
            for (Representation rep : extraReads()) {
                String vid = id + "#" + variant(rep);
                if (mlog.get(vid) != null) continue;
                if (m == null) m = new Measurer(plan);
                if (model == null) model = Checkpoint.openDirectory(cp).model(r.config().device);
                List<ResultRow> v = m.withRepresentation(rows, variant(rep), model, t -> rep);
                mlog.put(vid, v);
                log.info(String.format("measured %s step %d read %s: %s %.4f", r.id(), step, variant(rep), plan.measure.tasks.get(0),
                    v.get(0).acc(plan.measure.tasks.get(0))));
            }
        }
    }
}
