package flatlm.sweep;

import flatlm.experiment.RunTraining;
import flatlm.experiment.MeasurementLog;
import flatlm.experiment.Reproduction;
import flatlm.experiment.Measurer;
import flatlm.experiment.ExperimentPlan;
import flatlm.experiment.RunSpec;
import flatlm.exec.JobId;
import flatlm.exec.Jobs;
import flatlm.exec.Executor;
import flatlm.exec.Log;
import flatlm.exec.JobStatus;
import com.fasterxml.jackson.databind.JsonNode;
import flatlm.model.MlmModel;
import flatlm.report.ResultRow;
import flatlm.train.Checkpoint;
import flatlm.train.Trainer;
import flatlm.util.BadInputException;
import flatlm.util.Configs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep: one run per point and stage of a {@link SweepPlan}, each trained exactly as a
 * reproduction's run ({@link RunSpec}, {@link RunTraining}: the same directories
 * {@code runs/STAGE-LABEL-sSEED-HASH}, done.json, resume) and measured at its last (or every)
 * checkpoint ({@link Measurer}: exact loss, probes, Tr(H)) into its {@code measurements.jsonl}.
 * One job per run (train, then measure); a continuation's job waits on its parent's.
 */
public final class Sweep {
    public static final String PLAN_FILE = "sweep.json";

    private final SweepPlan plan;
    private final Path out;
    private final Log log;
    private final List<RunSpec> runs = new ArrayList<>();
    private final Map<String, SweepPlan.Point> pointOf = new LinkedHashMap<>();
    private final Map<String, RunSpec> byId = new LinkedHashMap<>();

    /** One measured checkpoint of a run: its rows, one per probe training size (the main size first). */
    public record Measured(RunSpec run, SweepPlan.Point point, List<ResultRow> rows) {}

    public Sweep(SweepPlan plan, Path out, boolean quiet) {
        this.plan = plan;
        this.out = out;
        this.log = new Log(out.resolve("sweep.log"), quiet);
        Map<String, RunSpec> byHash = new LinkedHashMap<>();
        for (SweepPlan.Stage s : plan.stages)
            for (SweepPlan.Point p : plan.points) {
                RunSpec parent = s.from == null ? null : byId.get(s.from + "/" + p.label + "/s" + p.seed);
                List<JsonNode> layers = new ArrayList<>(plan.base);
                layers.add(p.overrides);
                layers.add(s.train);
                RunSpec r = RunSpec.of(s.name, p.label, p.seed, parent, plan.source, layers.toArray(new JsonNode[0]));
                plan.measure.requireHeldOut(r.config(), plan.source, r.id());
                RunSpec same = byHash.putIfAbsent(r.hash(), r);
                if (same != null)
                    throw new BadInputException(plan.source + ": runs " + same.id() + " and " + r.id() + " have the same config (hash "
                        + r.hash() + "); drop one of the two points");
                runs.add(r);
                byId.put(r.id(), r);
                pointOf.put(r.id(), p);
            }
    }

    /** Checks every run of a new sweep before anything of it is written (preset, width, language, device). */
    private void requireBuildable() {
        for (RunSpec r : runs) requireBuildable(r);
    }

    private void requireBuildable(RunSpec r) {
        try {
            Trainer.requireBuildable(r.config());
        } catch (BadInputException e) {
            throw new BadInputException(plan.source + ": run " + r.id() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new BadInputException(plan.source + ": run " + r.id() + ": " + e.getMessage());
        }
    }

    /** The sweep of a sweep file, for output directory {@code out}. */
    public static Sweep load(Path file, Path out, boolean quiet) throws IOException {
        return load(SweepResolver.load(file), out, quiet);
    }

    /**
     * A new sweep of a resolved sweep file, every run checked first (the driver's path; Slurm tasks
     * and {@code --status} {@link #open} what the driver checked and wrote).
     */
    public static Sweep load(SweepPlan plan, Path out, boolean quiet) {
        Sweep s = new Sweep(plan, out, quiet);
        s.requireBuildable();
        return s;
    }

    /** The sweep as its driver wrote it into {@code out} (what Slurm tasks and {@code --status} read). */
    public static Sweep open(Path out, boolean quiet) throws IOException {
        Path f = out.resolve(PLAN_FILE);
        if (!Files.isRegularFile(f)) throw new BadInputException(out + ": not a sweep directory (no " + PLAN_FILE + ")");
        return new Sweep(Configs.bind(Configs.parseJson(Files.readString(f, StandardCharsets.UTF_8)), SweepPlan.class, f.toString()),
            out, quiet);
    }

    public SweepPlan plan() {
        return plan;
    }

    public Path out() {
        return out;
    }

    public List<RunSpec> runs() {
        return List.copyOf(runs);
    }

    public SweepPlan.Point point(RunSpec r) {
        return pointOf.get(r.id());
    }

    Log log() {
        return log;
    }

    /** The plan an exact measurement of run {@code r} needs: its language, the sweep's measure settings. */
    ExperimentPlan measurePlan(RunSpec r) {
        ExperimentPlan p = new ExperimentPlan();
        p.name = plan.name;
        p.language = r.config().language;
        p.measure = plan.measure;
        p.saturationKl = plan.saturationKl;
        return p;
    }

    /** What identifies run {@code r}'s job: its hash, the measurement settings, which checkpoints. */
    String jobKey(RunSpec r) {
        return "run " + r.hash() + " measure " + Measurer.provenance(measurePlan(r)).key() + " " + plan.checkpoints;
    }

    RunSpec run(String id) {
        return byId.get(id);
    }

    // ------------------------------------------------------------------ jobs

    Jobs jobs() {
        Jobs jobs = new Jobs();
        for (RunSpec r : runs)
            jobs.add(JobId.ofRun(r.id()), r.parent() == null ? List.of() : List.of(JobId.ofRun(r.parent().id())), () -> trainAndMeasure(r));
        return jobs;
    }

    private void trainAndMeasure(RunSpec r) throws IOException {
        RunTraining.train(r, r.dir(out), out, log, plan.saturationKl, () -> RunTraining.lastCheckpoint(r.parent(), r.parent().dir(out)));
        measure(r);
    }

    /** The checkpoints of run {@code r} that the sweep measures (a continuation's step 0 is its parent's last). */
    List<Path> measuredCheckpoints(RunSpec r) throws IOException {
        List<Path> cps = Checkpoint.list(r.dir(out).resolve(Trainer.CHECKPOINTS));
        if (cps.isEmpty()) return cps;
        if (plan.checkpoints.equals("last")) return cps.subList(cps.size() - 1, cps.size());
        return r.parent() != null ? cps.subList(1, cps.size()) : cps;
    }

    private void measure(RunSpec r) throws IOException {
        ExperimentPlan mp = measurePlan(r);
        MeasurementLog<ResultRow> mlog = MeasurementLog.of(r.dir(out), Measurer.provenance(mp));
        Measurer m = null;
        for (Path cp : measuredCheckpoints(r)) {
            String id = cp.getFileName().toString();
            if (mlog.get(id) != null) continue;
            if (m == null) m = new Measurer(mp);
            long step = Checkpoint.readState(cp).step();
            MlmModel model = Checkpoint.openDirectory(cp).model(r.config().device);
            List<ResultRow> rows = m.measure(r.experiment(), r.label(), "", r.seed(), step, step, model, out.relativize(cp).toString(),
                r.config());
            mlog.put(id, rows);
            ResultRow row = rows.get(0);
            String task = plan.measure.tasks.isEmpty() ? null : plan.measure.tasks.get(0);
            log.info(String.format("measured %s step %d: KL %.4f%s%s", r.id(), step, row.kl(),
                task == null ? "" : String.format(", %s %.4f", task, row.acc(task)),
                Double.isNaN(row.trH()) ? "" : String.format(", Tr(H) %.1f ± %.1f", row.trH(), row.trHStderr())));
        }
    }

    /** Every measured checkpoint of every run, in plan order (what sweep.csv holds). */
    public List<Measured> collect() throws IOException {
        List<Measured> all = new ArrayList<>();
        for (RunSpec r : runs) {
            MeasurementLog<ResultRow> mlog = MeasurementLog.of(r.dir(out), Measurer.provenance(measurePlan(r)));
            for (Path cp : measuredCheckpoints(r)) {
                List<ResultRow> rows = mlog.get(cp.getFileName().toString());
                if (rows != null) all.add(new Measured(r, pointOf.get(r.id()), rows));
            }
        }
        return all;
    }

    /** Whether run {@code r}'s training and measurements are on disk. */
    boolean complete(RunSpec r) throws IOException {
        if (!Files.isRegularFile(r.dir(out).resolve(Reproduction.DONE))) return false;
        MeasurementLog<ResultRow> mlog = MeasurementLog.of(r.dir(out), Measurer.provenance(measurePlan(r)));
        List<Path> cps = measuredCheckpoints(r);
        if (cps.isEmpty()) return false;
        for (Path cp : cps) if (mlog.get(cp.getFileName().toString()) == null) return false;
        return true;
    }

    // ------------------------------------------------------------------ running

    /** What a sweep did. */
    public record Summary(List<Measured> rows, int ran, int reused, Map<JobId, String> failures, double minutes) {}

    public Summary run(Executor executor, String how) throws IOException, InterruptedException {
        Files.createDirectories(out);
        Files.writeString(out.resolve(PLAN_FILE), Configs.toJson(plan) + "\n", StandardCharsets.UTF_8);
        log.info(String.format("sweep '%s' into %s: %d runs (%d points x %d stage(s)), %s", plan.name, out, runs.size(),
            plan.points.size(), plan.stages.size(), how));
        List<String> completeBefore = new java.util.ArrayList<>(); // a run found complete counts as found done, whatever its marker says
        for (RunSpec r : runs) if (complete(r)) completeBefore.add(r.id());
        Executor.Result o = executor.run(new SweepWorkload(this));
        o.failures().forEach((job, why) -> log.info("FAILED " + job + ": " + why));
        List<Measured> rows = collect();
        int ran = (int) o.ran().stream().filter(id -> !completeBefore.contains(id.run())).count();
        int found = o.alreadyDone().size() + (o.ran().size() - ran);
        log.info(String.format("done: %d runs run, %d found done, %d checkpoints measured, %d failure(s)", ran, found, rows.size(),
            o.failures().size()));
        return new Summary(rows, ran, found, o.failures(), log.minutes());
    }

    /** sweep.csv, report.md and plots/ from what is measured so far; returns sweep.csv. */
    public Path writeFiles(Summary s, String command) throws IOException {
        List<Measured> rows = collect();
        Path csv = SweepCsv.write(this, rows);
        SweepReport.write(this, rows, s == null ? Map.of() : s.failures(), command, s == null ? Double.NaN : s.minutes());
        return csv;
    }

    /** Where every run stands ({@code --status}): done, pending, running, failed (with its log) or not run. */
    public String status() throws IOException, InterruptedException {
        return String.format("sweep '%s' in %s: ", plan.name, out) + JobStatus.text(JobStatus.of(new SweepWorkload(this)), "runs");
    }

    /** The runs and their hashes, without running anything ({@code --plan}). */
    public String describe() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(String.format("sweep '%s'%s (%s)%n", plan.name, plan.description.isEmpty() ? "" : ": " + plan.description, plan.source));
        b.append(String.format("swept: %s; stages: %s; measure: exact loss%s%s, %s checkpoint(s)%n", String.join(", ", plan.keys),
            String.join(", ", plan.stages.stream().map(s -> s.from == null ? s.name : s.name + " (from " + s.from + ")").toList()),
            plan.measure.tasks.isEmpty() ? "" : ", probes " + String.join(" ", plan.measure.tasks) + " at "
                + java.util.Arrays.toString(measurePlan(runs.get(0)).probeSizes()),
            plan.measure.estimator() == ExperimentPlan.Measure.Estimator.NONE ? "" : ", Tr(H) (" + plan.measure.flatness + ")", plan.checkpoints));
        b.append(String.format("runs (%d):%n", runs.size()));
        for (RunSpec r : runs) {
            Path dir = r.dir(out);
            String state = complete(r) ? "finished, reused" : Files.isRegularFile(dir.resolve(Reproduction.DONE)) ? "trained, to measure"
                : Files.isDirectory(dir) ? "started, resumes" : "to run";
            var c = r.config();
            b.append(String.format("  %-34s %s  %d steps, %s lr %s%s  %s  [%s]%n", r.id(), r.hash(), c.steps, c.optimizer.name,
                c.optimizer.lr, r.parent() == null ? "" : ", continues " + r.parent().id(), out.relativize(dir), state));
        }
        return b.toString();
    }
}
