package flatlm.experiment;

import flatlm.report.Experiment;
import flatlm.exec.JobId;
import flatlm.exec.Jobs;
import flatlm.exec.Executor;
import flatlm.exec.Log;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.model.MlmModel;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.train.Embedding;
import flatlm.report.ResultRow;
import flatlm.train.Checkpoint;
import flatlm.train.Trainer;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import flatlm.util.Warnings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reproduction: the runs of an {@link ExperimentPlan} trained (or found finished by their
 * config hash), every model measured, the rows collected. Layout of the output directory:
 * {@code plan.yaml} (the plan as run), {@code runs/EXPERIMENT-LABEL-sSEED-HASH/} (a pretrain run
 * directory plus {@code measurements.jsonl} and {@code done.json}), {@code dyck/},
 * {@code reproduce.log}, and the report files.
 */
public final class Reproduction {
    public static final String PLAN_FILE = "plan.yaml";
    public static final String DONE = "done.json";
    /** Job kinds: training a run, measuring a run (or the lookup table, the pruned models). */
    static final String TRAIN = "train", MEASURE = "measure";

    private final ExperimentPlan plan;
    private final Path out;
    private final Provenance measureKey;
    private final LayerProbes layerProbes;
    private final List<RunSpec> runs = new ArrayList<>();
    private final Map<String, RunSpec> byId = new LinkedHashMap<>();
    private final Map<String, RunSpec> byHash = new LinkedHashMap<>();
    /** Run id → the earlier planned run with the same config hash, whose training it shares. */
    private final Map<String, RunSpec> sameAs = new LinkedHashMap<>();
    private final Log log;
    /** Warnings of {@link #collect} already given (the report collects twice). */
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** What a reproduction did. */
    public record Summary(List<ResultRow> rows, int trained, int reused, Map<JobId, String> failures, double minutes) {}

    public Reproduction(ExperimentPlan plan, Path out, boolean quiet) {
        this.plan = plan;
        this.out = out;
        this.measureKey = Measurer.provenance(plan);
        this.log = new Log(out.resolve("reproduce.log"), quiet);
        this.layerProbes = new LayerProbes(plan, out, this::trainingDir);
        planRuns();
    }

    // ------------------------------------------------------------------ plans

    /** The plan of a preset ({@code experiments/NAME.yaml}, packaged in the jar) or of a YAML file. */
    public static ExperimentPlan load(String presetOrFile) throws IOException {
        Path file = Path.of(presetOrFile);
        if (presetOrFile.endsWith(".yaml") || presetOrFile.endsWith(".yml") || presetOrFile.endsWith(".json")) {
            return Configs.bind(Configs.readTree(file), ExperimentPlan.class, presetOrFile).validate(presetOrFile);
        }
        String resource = "/experiments/" + presetOrFile + ".yaml";
        try (InputStream in = Reproduction.class.getResourceAsStream(resource)) {
            if (in == null) throw new BadInputException("unknown preset '" + presetOrFile + "' (known: " + String.join(", ", presets())
                + "; or give a YAML file)");
            Path tmp = Files.createTempFile("flatlm-preset", ".yaml");
            try {
                Files.write(tmp, in.readAllBytes());
                return Configs.bind(Configs.readTree(tmp), ExperimentPlan.class, "experiments/" + presetOrFile + ".yaml")
                    .validate("experiments/" + presetOrFile + ".yaml");
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    public static List<String> presets() {
        return List.of("tiny", "quick", "cpu", "lm", "paper");
    }

    /** What every run of the plan shares before its training keys: the language and the held-out set. */
    private JsonNode languageLayer() {
        ObjectNode n = plan.measure.heldOutLayer();
        n.set("language", Configs.toTree(plan.language));
        return n;
    }

    private RunSpec add(RunSpec r) {
        plan.measure.requireHeldOut(r.config(), "experiments/" + plan.name, r.id());
        runs.add(r);
        byId.put(r.id(), r);
        RunSpec first = byHash.putIfAbsent(r.hash(), r);
        if (first != null) sameAs.put(r.id(), first);
        return r;
    }

    /**
     * Where run {@code r} is trained: its own directory, or that of the first planned run with
     * the same config hash (e.g. the size experiment's largest width when it is the convergence
     * run's model and recipe): the same training is never done twice. Its measurements still go
     * to its own directory (they carry its experiment and label).
     */
    public Path trainingDir(RunSpec r) {
        return sameAs.getOrDefault(r.id(), r).dir(out);
    }

    private void planRuns() {
        String src = plan.name;
        for (long seed : plan.seeds) {
            if (plan.convergence != null) {
                RunSpec adamw = add(RunSpec.of(Experiment.CONVERGENCE.id(), "adamw", seed, null, src, languageLayer(), plan.train, plan.convergence.adamw));
                if (plan.convergence.sgd != null)
                    add(RunSpec.of(Experiment.CONVERGENCE.id(), "sgd", seed, adamw, src, languageLayer(), plan.train, plan.convergence.sgd));
                if (plan.algorithms != null) {
                    // in label order: plan.yaml (sorted maps) plans the same runs in the same order as the preset
                    for (Map.Entry<String, ObjectNode> e : new java.util.TreeMap<>(plan.algorithms.runs).entrySet())
                        add(RunSpec.of(Experiment.ALGORITHMS.id(), e.getKey(), seed, adamw, src, languageLayer(), plan.train, plan.algorithms.train,
                            e.getValue()));
                }
                if (plan.noise != null) NoiseExperiment.runs(plan, adamw, seed, languageLayer()).forEach(this::add);
            }
            if (plan.size != null) {
                for (ObjectNode sz : plan.size.sizes) {
                    // a size's own pretrain keys (e.g. more steps for a narrow width to reach saturation) over size.train
                    ObjectNode layer = sz.has(ExperimentPlan.Size.TRAIN) ? ((ObjectNode) sz.get(ExperimentPlan.Size.TRAIN)).deepCopy()
                        : JsonNodeFactory.instance.objectNode();
                    layer.set("model", plan.size.model(sz));
                    add(RunSpec.of(Experiment.SIZE.id(), "d" + sz.path("d").asInt(), seed, null, src, languageLayer(), plan.train, plan.size.train,
                        layer));
                }
            }
        }
    }

    /** The convergence AdamW run of the first seed: the source of the pruning experiment. */
    private RunSpec pruningSource() {
        return byId.get("convergence/adamw/s" + plan.seeds.get(0));
    }

    private PruningExperiment pruning() {
        RunSpec source = pruningSource();
        return new PruningExperiment(plan, out, measureKey, log, source, languageLayer(), () -> finalCheckpoint(source));
    }

    public List<RunSpec> runs() {
        return List.copyOf(runs);
    }

    /**
     * Every reuse key of this plan, by what it keys: "run RUN-ID" (a run's directory), "measure"
     * (every measurements.jsonl line), "lookup" (the lookup table's directory), "embedded" and
     * "recovered" (derived rows), "dyck". What changing a setting invalidates is what changes here.
     */
    Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        for (RunSpec r : runs) k.put("run " + r.id(), r.hash());
        k.put("measure", measureKey.key());
        if (plan.algorithms != null && plan.algorithms.lookup) k.put("lookup", lookupDir().getFileName().toString());
        if (plan.size != null) k.put("embedded", embeddedDerivation());
        if (plan.pruning != null) k.put("recovered", pruning().recoveredDerivation());
        if (plan.dyck != null) k.put(Experiment.DYCK.id(), DyckRun.key(plan));
        return k;
    }

    // ------------------------------------------------------------------ jobs

    /** Every job of the plan, the critical path (the long convergence run) first. */
    Jobs jobs() {
        Jobs jobs = new Jobs();
        for (RunSpec r : runs) {
            RunSpec same = sameAs.get(r.id());
            if (same != null) {
                jobs.add(JobId.of(TRAIN, r.id()), List.of(JobId.of(TRAIN, same.id())), () -> log.info("reuse " + same.id() + " as " + r.id()
                    + " (the same config)"));
                continue;
            }
            List<JobId> after = r.parent() == null ? List.of() : List.of(JobId.of(TRAIN, r.parent().id()));
            jobs.add(JobId.of(TRAIN, r.id()), after, () -> train(r));
        }
        for (RunSpec r : runs) jobs.add(JobId.of(MEASURE, r.id()), List.of(JobId.of(TRAIN, r.id())), () -> measureRun(r));
        if (plan.algorithms != null && plan.algorithms.lookup)
            jobs.add(JobId.of(MEASURE, "algorithms/lookup"), List.of(), this::measureLookup);
        if (plan.pruning != null && !plan.pruning.sparsities.isEmpty())
            jobs.add(JobId.of(MEASURE, "pruning/prune"), List.of(JobId.of(TRAIN, pruningSource().id())), () -> pruning().measure());
        if (plan.dyck != null) jobs.add(JobId.ofKind(Experiment.DYCK.id()), List.of(), () -> DyckRun.run(plan, out, log));
        return jobs;
    }

    /** Lists the jobs and runs without running anything. */
    public String describe() {
        return PlanListing.of(this);
    }

    /** The earlier planned run whose training run {@code id} shares (the same config hash), or null. */
    RunSpec sameAs(String id) {
        return sameAs.get(id);
    }

    /** Runs every job on {@code workers} threads, then collects the rows. */
    public Summary run(int workers) throws IOException, InterruptedException {
        return run(Executor.local(workers), workers + " worker(s)");
    }

    /** Runs every job not done yet with {@code executor} (local pool or Slurm), then collects the rows. */
    public Summary run(Executor executor, String how) throws IOException, InterruptedException {
        Files.createDirectories(out);
        Files.writeString(out.resolve(PLAN_FILE), Configs.toYaml(plan), StandardCharsets.UTF_8);
        log.info(String.format("reproduction '%s' into %s: %d runs, %s", plan.name, out, runs.size(), how));
        String headroom = plan.headroomWarning();
        if (headroom != null) {
            Warnings.warn(headroom);
            log.info("WARNING " + headroom);
        }
        Executor.Result o = executor.run(new ReproductionWorkload(this));
        o.failures().forEach((job, why) -> log.info("FAILED " + job + ": " + why));
        List<ResultRow> rows = collect();
        int t = trainJobs(o.ran()), u = trainJobs(o.alreadyDone()); // from the outcome, the same on every executor
        log.info(String.format("done: %d runs trained, %d reused, %d models measured, %d failure(s)", t, u, rows.size(),
            o.failures().size()));
        return new Summary(rows, t, u, o.failures(), log.minutes());
    }

    Log log() {
        return log;
    }

    /** The per-layer probe rows measured so far ({@code measure.probeLayers}; empty when off). */
    public List<flatlm.report.LayerRow> collectLayers() throws IOException {
        return layerProbes.collect(runs);
    }

    /** The rows of every planned model measured so far, in plan order (what {@code flatlm report} reads). */
    public List<ResultRow> collect() throws IOException {
        List<ResultRow> rows = new ArrayList<>();
        java.util.function.Predicate<String> current = id -> !id.contains("|") || derivations().contains(id.substring(id.indexOf('|') + 1));
        for (RunSpec r : runs) {
            MeasurementLog<ResultRow> mlog = MeasurementLog.of(r.dir(out), measureKey);
            String run = out.relativize(r.dir(out)).toString();
            if (!Files.isRegularFile(trainingDir(r).resolve(DONE))) { // rows of an unfinished run are not a finished run's
                if (!mlog.rows().isEmpty() && warned.add(run)) Warnings.warn(run + ": not finished (no " + DONE + "); its rows are left out");
                continue;
            }
            List<String> missing = new ArrayList<>();
            for (Path cp : measuredCheckpoints(r)) if (mlog.get(cp.getFileName().toString()) == null) missing.add(cp.getFileName().toString());
            if (!missing.isEmpty() && warned.add(run + missing))
                Warnings.warn(run + ": " + missing.size() + " model(s) not measured (" + String.join(", ", missing) + "); left out");
            for (ResultRow row : mlog.rows(current)) // rows measured before the training columns existed take them from the run's config
                rows.add(row.algorithm().isEmpty() ? row.withTraining(r.config().algorithm, r.config().labelsPerContextK()) : row);
        }
        if (plan.algorithms != null && plan.algorithms.lookup) {
            for (ResultRow row : MeasurementLog.of(lookupDir(), measureKey).rows(current))
                rows.add(row.algorithm().isEmpty() ? row.withTraining(Measurer.LOOKUP, Double.NaN) : row);
        }
        if (plan.pruning != null) rows.addAll(MeasurementLog.of(pruning().dir(), measureKey).rows(current));
        rows.replaceAll(row -> row.withSaturation(plan.saturationKl)); // the plan's threshold, not the one measured under
        return rows;
    }

    public Path dyckMarkdown() {
        Path md = out.resolve(Experiment.DYCK.id()).resolve("dyck.md");
        return plan.dyck != null && Files.isRegularFile(md) ? md : null;
    }

    public Path out() {
        return out;
    }

    public ExperimentPlan plan() {
        return plan;
    }

    // ------------------------------------------------------------------ training

    private void train(RunSpec r) throws IOException {
        RunTraining.train(r, r.dir(out), out, log, plan.saturationKl, () -> finalCheckpoint(r.parent()));
    }

    /** How many of {@code jobs} train a run of its own (a run trained as another's copy counts once, as that one). */
    private int trainJobs(List<JobId> jobs) {
        return (int) runs.stream().filter(r -> !sameAs.containsKey(r.id()) && jobs.contains(JobId.of(TRAIN, r.id()))).count();
    }

    private Path finalCheckpoint(RunSpec r) throws IOException {
        return RunTraining.lastCheckpoint(r, trainingDir(r));
    }

    /** What identifies a derived row beyond the model: the settings that made it (e.g. the embedding's architecture). */
    static String settingsHash(Object settings) {
        return Provenance.of(settings, null).key();
    }

    /**
     * The derivations of this plan, as they follow "|" in a measurement id ("step-0005000|embedded-HASH"):
     * rows derived with other settings (an earlier embedInto, another recovery) stay in the logs but
     * are not this plan's rows.
     */
    private java.util.Set<String> derivations() {
        java.util.Set<String> out = new java.util.HashSet<>();
        if (plan.size != null) out.add(embeddedDerivation());
        if (plan.pruning != null) out.add(pruning().recoveredDerivation());
        return out;
    }

    private String embeddedDerivation() {
        return "embedded-" + settingsHash(plan.size.embedInto);
    }

    // ------------------------------------------------------------------ measuring

    /** Step offset of a continuation on its experiment's step axis (SGD continues the AdamW run's steps). */
    private long offset(RunSpec r) {
        return Experiment.CONVERGENCE.is(r.experiment()) && r.parent() != null ? r.parent().config().steps : 0;
    }

    private void measureRun(RunSpec r) throws IOException {
        if (Experiment.NOISE.is(r.experiment())) {
            new NoiseExperiment(plan, out, measureKey, log).measure(r, trainingDir(r));
            return;
        }
        MeasurementLog<ResultRow> mlog = MeasurementLog.of(r.dir(out), measureKey);
        Measurer m = null;
        for (Path cp : measuredCheckpoints(r)) {
            String id = cp.getFileName().toString();
            long step = Checkpoint.readState(cp).step();
            List<ResultRow> rows = mlog.get(id);
            if (rows == null) {
                if (m == null) m = new Measurer(plan);
                MlmModel model = Checkpoint.openDirectory(cp).model(r.config().device); // measured where it was trained
                double x = Experiment.SIZE.is(r.experiment()) ? model.hiddenSize() : offset(r) + step;
                rows = m.measure(r.experiment(), r.label(), "", r.seed(), step, x, model, out.relativize(cp).toString(), r.config());
                mlog.put(id, rows);
                ResultRow row = rows.get(0);
                log.info(String.format("measured %s step %d: KL %.4f, %s %.4f, Tr(H) %.1f ± %.1f", r.id(), step, row.kl(),
                    plan.measure.tasks.get(0), row.acc(plan.measure.tasks.get(0)), row.trH(), row.trHStderr()));
            }
            String embeddedId = plan.size == null ? null : id + "|" + embeddedDerivation();
            if (Experiment.SIZE.is(r.experiment()) && mlog.get(embeddedId) == null) {
                if (m == null) m = new Measurer(plan);
                MlmTransformer small = Checkpoint.openDirectory(cp).transformer(r.config().device);
                ModelConfig s = small.config();
                Map<String, Integer> e = plan.size.embedInto;
                ModelConfig large = new ModelConfig(s.vocabWords(), s.maxLength(), e.get("d"), e.get("heads"), e.get("layers"),
                    e.get("dInter"), s.preLn(), 0.0, s.dtype());
                List<ResultRow> emb = m.withFlatnessOf(rows, "embedded", Embedding.embed(small, large));
                mlog.put(embeddedId, emb);
                log.info(String.format("measured %s embedded into d %d: Tr(H) %.1f ± %.1f", r.id(), large.d(), emb.get(0).trH(),
                    emb.get(0).trHStderr()));
            }
            if (layerProbes.enabled() && layerProbes.checkpoints(r).contains(cp)) {
                if (m == null) m = new Measurer(plan);
                layerProbes.measure(r, cp, rows.get(0).kl(), m, log);
            }
        }
    }

    /** The checkpoints of run {@code r} that are measured: a convergence or noise run's every one (a continuation's own), else the last. */
    private List<Path> measuredCheckpoints(RunSpec r) throws IOException {
        List<Path> cps = Checkpoint.list(trainingDir(r).resolve(Trainer.CHECKPOINTS));
        boolean along = Experiment.CONVERGENCE.is(r.experiment()) || Experiment.NOISE.is(r.experiment());
        if (cps.isEmpty() || !along) return cps.subList(Math.max(0, cps.size() - 1), cps.size());
        return r.parent() != null ? cps.subList(1, cps.size()) : cps; // a continuation's step 0 is its parent's last checkpoint
    }

    private Path lookupDir() {
        return out.resolve("runs").resolve("algorithms-lookup-" + Provenance.of(plan.language, plan.language).key());
    }

    private void measureLookup() throws IOException {
        MeasurementLog<ResultRow> mlog = MeasurementLog.of(lookupDir(), measureKey);
        if (mlog.get("lookup") != null) return;
        List<ResultRow> rows = new Measurer(plan).lookup();
        mlog.put("lookup", rows);
        String task = plan.measure.tasks.get(0);
        ResultRow row = rows.get(0);
        log.info(String.format("measured the lookup table: %s %.4f (Bayes %.4f)", task, row.acc(task), row.bayes().get(task)));
    }
}
