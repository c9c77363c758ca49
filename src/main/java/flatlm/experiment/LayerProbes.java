package flatlm.experiment;

import flatlm.report.Experiment;
import flatlm.exec.Log;
import flatlm.eval.DownstreamResult;
import flatlm.eval.DownstreamSplit;
import flatlm.eval.LayerProbe;
import flatlm.eval.LinearProbe;
import flatlm.eval.ModelFeatures;
import flatlm.eval.Probe;
import flatlm.eval.Representation;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.report.LayerRow;
import flatlm.stats.Summary;
import flatlm.train.Checkpoint;
import flatlm.train.Trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The per-layer probes of a reproduction ({@code measure.probeLayers}): the main task's probe at
 * every layer state, for each listed read, of the final checkpoint of every run (but the noise
 * experiment's, which probes its final layer with both reads itself: {@link NoiseExperiment}) and of the
 * random initialisation (step 0 of a convergence run trained from scratch), at the main probe
 * size on the main probe's splits (so layer final / read concat is the main probe exactly).
 * Kept apart from the main measurements in {@code probe_layers.jsonl} of the run's training
 * directory (a run that shares its training with another shares its layer probes), one line per
 * (checkpoint, read), keyed by the main measurement key; turning it on re-measures nothing else.
 */
final class LayerProbes {
    static final String FILE = "probe_layers.jsonl";

    private final ExperimentPlan plan;
    private final Path out;
    private final String key;
    private final Function<RunSpec, Path> trainingDir;

    /** {@code out}: the reproduction's directory, to which checkpoint paths are relative (as in results.csv). */
    LayerProbes(ExperimentPlan plan, Path out, Function<RunSpec, Path> trainingDir) {
        this.plan = plan;
        this.out = out;
        this.key = Measurer.provenance(plan).key();
        this.trainingDir = trainingDir;
    }

    boolean enabled() {
        return !plan.measure.probeLayers.isEmpty();
    }

    /** The checkpoints of run {@code r} that get per-layer probes: its last, and its step 0 if it is a convergence run from scratch. */
    List<Path> checkpoints(RunSpec r) throws IOException {
        List<Path> cps = Checkpoint.list(trainingDir.apply(r).resolve(Trainer.CHECKPOINTS));
        List<Path> out = new ArrayList<>();
        if (cps.isEmpty()) return out;
        if (Experiment.CONVERGENCE.is(r.experiment()) && r.parent() == null && Checkpoint.readState(cps.get(0)).step() == 0) out.add(cps.get(0));
        Path last = cps.get(cps.size() - 1);
        if (!out.contains(last)) out.add(last);
        return out;
    }

    /** Probes checkpoint {@code cp} of {@code r} at every layer for each read not measured yet ({@code kl}: its exact KL). */
    void measure(RunSpec r, Path cp, double kl, Measurer m, Log log) throws IOException {
        if (!enabled() || !checkpoints(r).contains(cp)) return;
        MeasurementLog<LayerRow> have = log(trainingDir.apply(r));
        MlmModel model = null;
        for (String read : plan.measure.probeLayers) {
            String id = cp.getFileName() + "|" + read;
            if (have.get(id) != null) continue;
            if (model == null) model = Checkpoint.openDirectory(cp).model(r.config().device);
            long step = Checkpoint.readState(cp).step();
            List<LayerRow> rows = probe(r, model, step, kl, Representation.Read.parse(read), m, out.relativize(cp).toString());
            have.put(id, rows);
            log.info(String.format("measured %s step %d per layer (%s): %s", r.id(), step, read, rows.stream()
                .map(x -> String.format(java.util.Locale.ROOT, "%.4f", x.accMean())).toList()));
        }
    }

    private List<LayerRow> probe(RunSpec r, MlmModel model, long step, double kl, Representation.Read read, Measurer m, String cp) {
        Language language = m.language();
        String name = plan.measure.tasks.get(0);
        DownstreamTask task = language.task(name);
        Probe.Setup setup = m.probeSetup();
        List<DownstreamSplit> splits = Probe.splits(task, setup);
        int n = plan.measure.probeTrain;
        List<LayerRow> out = new ArrayList<>();
        for (int k = 0; k < model.numLayerStates(); k++) {
            ModelFeatures f = LayerProbe.features(model, language, task, new Representation(k, read));
            DownstreamResult res = Probe.curve("probe", f, language, task, splits, new int[] {n}, setup, LinearProbe.Options.defaults(),
                null).get(n);
            Summary a = res.accuracy(), ce = res.crossEntropy();
            out.add(new LayerRow(r.experiment(), r.label(), r.seed(), step, kl, name, read.id, k, model.layerName(k), f.dimension(), n,
                a.mean(), a.std(), a.n(), ce.mean(), ce.std(), cp));
        }
        return out;
    }

    /** The per-layer rows of every run, labelled with the run (in plan order). */
    List<LayerRow> collect(List<RunSpec> runs) throws IOException {
        List<LayerRow> rows = new ArrayList<>();
        if (!enabled()) return rows;
        for (RunSpec r : runs) {
            MeasurementLog<LayerRow> have = log(trainingDir.apply(r));
            for (Path cp : checkpoints(r)) {
                for (String read : plan.measure.probeLayers) {
                    List<LayerRow> rs = have.get(cp.getFileName() + "|" + read);
                    if (rs != null) for (LayerRow x : rs) rows.add(x.as(r.experiment(), r.label(), r.seed()));
                }
            }
        }
        return rows;
    }

    private MeasurementLog<LayerRow> log(Path dir) throws IOException {
        return new MeasurementLog<>(dir.resolve(FILE), key, LayerRow.class);
    }
}
