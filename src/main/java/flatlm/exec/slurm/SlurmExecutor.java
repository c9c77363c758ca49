package flatlm.exec.slurm;

import flatlm.exec.Jobs;
import flatlm.exec.JobId;
import flatlm.exec.Executor;
import flatlm.exec.Workload;
import flatlm.exec.JobMarkers;
import com.fasterxml.jackson.databind.JsonNode;
import flatlm.util.Configs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@link Executor#slurm}: the jobs not done yet go to Slurm as one job array per stage (stage =
 * depth among the jobs submitted together), {@code sbatch --array=0-N%P --parsable}, a later
 * stage waiting on the arrays of its jobs' dependencies with {@code --dependency=afterok:ID}
 * (and {@code --kill-on-invalid-dep=yes}, so it is cancelled, not left pending, when one of them
 * failed). Array task i runs {@code flatlm task OUT/slurm/sub-K.tasks i} ({@link TaskRunner}),
 * which writes its results and its marker into OUT; its log is {@code OUT/slurm/logs/ARRAY_i.out}.
 * The driver polls squeue and collects. Every submission is recorded in
 * {@code OUT/slurm/submissions.jsonl}, so a rerun after the driver died adopts the tasks still
 * queued or running, collects the finished ones and resubmits only the missing or failed ones.
 */
public final class SlurmExecutor implements Executor {
    static final String DIR = "slurm";
    static final String SUBMISSIONS = "submissions.jsonl";
    static final String MAIN_CLASS = "flatlm.cli.Main";

    private final SlurmOptions options;

    public SlurmExecutor(SlurmOptions options) {
        this.options = options;
    }

    /** One recorded submission: the array's job id, its task file and the job of each index. */
    record Submission(String array, String file, List<String> ids) {}

    /** Where a job runs: array task {@code array_index}. */
    public record Placement(String array, int index) {
        public String name() {
            return array + "_" + index;
        }
    }

    public static List<Submission> submissions(Path out) throws IOException {
        Path f = out.resolve(DIR).resolve(SUBMISSIONS);
        List<Submission> subs = new ArrayList<>();
        if (!Files.isRegularFile(f)) return subs;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                JsonNode n = Configs.parseJson(line);
                List<String> ids = new ArrayList<>();
                n.path("ids").forEach(x -> ids.add(x.asText()));
                subs.add(new Submission(n.path("array").asText(), n.path("file").asText(), ids));
            } catch (RuntimeException e) {
                // a line cut by an interruption
            }
        }
        return subs;
    }

    /** The latest placement of every job ever submitted from {@code out}. */
    public static Map<String, Placement> placements(List<Submission> subs) {
        Map<String, Placement> p = new LinkedHashMap<>();
        for (Submission s : subs) for (int i = 0; i < s.ids().size(); i++) p.put(s.ids().get(i), new Placement(s.array(), i));
        return p;
    }

    public static Path logFile(Path out, Placement p) {
        return out.resolve(DIR).resolve("logs").resolve(p.name() + ".out");
    }

    /** squeue's view of the given placements (absent: squeue no longer knows the task). */
    public static Map<Placement, Slurm.Task> states(Map<?, Placement> placements) throws IOException, InterruptedException {
        Set<String> arrays = new LinkedHashSet<>();
        placements.values().forEach(p -> arrays.add(p.array()));
        Map<Placement, Slurm.Task> m = new LinkedHashMap<>();
        for (Slurm.Task t : Slurm.squeue(arrays)) m.put(new Placement(t.array(), t.index()), t);
        return m;
    }

    @Override
    public Result run(Workload w) throws IOException, InterruptedException {
        Path out = w.out();
        JobMarkers markers = new JobMarkers(out);
        List<Jobs.Job> all = w.jobs().list();
        Map<JobId, Jobs.Job> byId = new LinkedHashMap<>();
        all.forEach(j -> byId.put(j.id(), j));
        Map<String, Placement> placed = placements(submissions(out));
        Map<Placement, Slurm.Task> states = states(placed);

        List<JobId> alreadyDone = new ArrayList<>();
        Map<JobId, Placement> tracked = new LinkedHashMap<>(); // in flight: adopted now, or submitted below
        List<JobId> toSubmit = new ArrayList<>();
        for (Jobs.Job j : all) {
            if (markers.done(j.id(), w.key(j.id())) && w.resultsPresent(j.id())) {
                alreadyDone.add(j.id());
                continue;
            }
            Placement p = placed.get(j.id().toString());
            Slurm.Task t = p == null ? null : states.get(p);
            if (t != null && !Slurm.TERMINAL.contains(t.state())) {
                tracked.put(j.id(), p);
                w.log().info("adopt " + j.id() + " (slurm " + p.name() + ", " + t.state().toLowerCase() + ")");
            } else {
                toSubmit.add(j.id());
            }
        }
        if (!alreadyDone.isEmpty()) w.log().info(alreadyDone.size() + " job(s) done before, collected");
        submit(w, byId, toSubmit, tracked, markers);
        Map<JobId, String> failures = new LinkedHashMap<>();
        List<JobId> ran = new ArrayList<>();
        collect(w, tracked, markers, failures, ran);
        return new Result(failures, ran, alreadyDone);
    }

    /** Submits {@code ids} stage by stage, adding their placements to {@code tracked}. */
    private void submit(Workload w, Map<JobId, Jobs.Job> byId, List<JobId> ids, Map<JobId, Placement> tracked, JobMarkers markers)
        throws IOException, InterruptedException {
        for (JobId id : ids) Files.deleteIfExists(markers.file(id)); // a failed attempt's marker is not this attempt's
        Set<JobId> pending = new LinkedHashSet<>(ids);
        Map<JobId, Integer> depth = new LinkedHashMap<>();
        for (JobId id : ids) depth(id, byId, pending, depth);
        TreeMap<Integer, List<JobId>> stages = new TreeMap<>();
        for (JobId id : ids) stages.computeIfAbsent(depth.get(id), k -> new ArrayList<>()).add(id);
        for (List<JobId> stage : stages.values()) {
            Set<String> after = new LinkedHashSet<>();
            for (JobId id : stage)
                for (JobId d : byId.get(id).after()) {
                    Placement p = tracked.get(d);
                    if (p != null) after.add(p.array());
                }
            String array = submitArray(w, stage, after);
            for (int i = 0; i < stage.size(); i++) tracked.put(stage.get(i), new Placement(array, i));
            w.log().info(String.format("submitted %d task(s) as slurm array %s%s", stage.size(), array,
                after.isEmpty() ? "" : " (after " + String.join(", ", after) + ")"));
        }
    }

    /** Depth of a job among those submitted together: 0 when none of its dependencies is among them. */
    private static int depth(JobId id, Map<JobId, Jobs.Job> byId, Set<JobId> pending, Map<JobId, Integer> memo) {
        Integer d = memo.get(id);
        if (d != null) return d;
        int best = 0;
        for (JobId a : byId.get(id).after()) if (pending.contains(a)) best = Math.max(best, 1 + depth(a, byId, pending, memo));
        memo.put(id, best);
        return best;
    }

    private String submitArray(Workload w, List<JobId> stage, Set<String> after) throws IOException, InterruptedException {
        Path dir = w.out().resolve(DIR);
        Files.createDirectories(dir.resolve("logs"));
        int n = 1;
        while (Files.exists(dir.resolve(String.format("sub-%04d.tasks", n)))) n++;
        String name = String.format("sub-%04d", n);
        Path tasks = dir.resolve(name + ".tasks"), script = dir.resolve(name + ".sh");
        StringBuilder t = new StringBuilder();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("kind", w.kind());
        header.put("out", w.out().toAbsolutePath().normalize().toString());
        t.append(Configs.toJsonLine(header)).append('\n');
        for (JobId id : stage) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", id.toString());
            line.put("key", w.key(id));
            t.append(Configs.toJsonLine(line)).append('\n');
        }
        Files.writeString(tasks, t.toString(), StandardCharsets.UTF_8);
        Files.writeString(script, script(w, name, tasks), StandardCharsets.UTF_8);
        script.toFile().setExecutable(true);
        List<String> args = new ArrayList<>();
        args.add("--array=0-" + (stage.size() - 1) + (options.parallelism == null ? "" : "%" + options.parallelism));
        if (!after.isEmpty()) {
            args.add("--dependency=afterok:" + String.join(":", after));
            args.add("--kill-on-invalid-dep=yes");
        }
        String array;
        try {
            array = Slurm.sbatch(args, script);
        } catch (Slurm.Refused e) {
            Files.deleteIfExists(tasks); // nothing was submitted: leave nothing that says otherwise
            Files.deleteIfExists(script);
            throw e;
        }
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("array", array);
        rec.put("file", name);
        rec.put("ids", stage.stream().map(JobId::toString).toList());
        Files.writeString(dir.resolve(SUBMISSIONS), Configs.toJsonLine(rec) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
        return array;
    }

    private String script(Workload w, String name, Path tasks) {
        Path out = w.out().toAbsolutePath().normalize();
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("# flatlm ").append(w.kind()).append(" tasks of ").append(out).append(" (written by the slurm executor)\n");
        s.append("#SBATCH --job-name=flatlm-").append(out.getFileName()).append('-').append(name).append('\n');
        s.append("#SBATCH --output=").append(out.resolve(DIR).resolve("logs")).append("/%A_%a.out\n");
        for (String l : options.sbatchLines()) s.append(l).append('\n');
        s.append("export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}\n");
        s.append("cd ").append(quote(Path.of("").toAbsolutePath().toString())).append('\n');
        s.append("exec ").append(command()).append(" task ").append(quote(tasks.toAbsolutePath().toString()))
            .append(" \"$SLURM_ARRAY_TASK_ID\"\n");
        return s.toString();
    }

    /** The flatlm command of a task: the configured one, or this JVM's java and class path. */
    private String command() {
        if (options.command != null) return options.command;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator))
            if (!e.isEmpty()) cp.add(Path.of(e).toAbsolutePath().normalize().toString());
        return quote(java) + " -Xss8m -cp " + quote(String.join(File.pathSeparator, cp)) + " " + MAIN_CLASS;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Polls squeue until every tracked task has ended; classifies each by its marker. */
    private void collect(Workload w, Map<JobId, Placement> tracked, JobMarkers markers, Map<JobId, String> failures,
                         List<JobId> ran) throws IOException, InterruptedException {
        Map<JobId, Placement> left = new LinkedHashMap<>(tracked);
        int squeueErrors = 0;
        long lastNote = System.nanoTime();
        while (!left.isEmpty()) {
            Map<Placement, Slurm.Task> states;
            try {
                states = states(left);
                squeueErrors = 0;
            } catch (IOException e) {
                if (++squeueErrors >= 30) throw e;
                Thread.sleep((long) (options.poll * 1000));
                continue;
            }
            for (var it = left.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                JobId id = e.getKey();
                Placement p = e.getValue();
                Slurm.Task t = states.get(p);
                JobMarkers.Marker m = markers.read(id);
                boolean ended = t == null || Slurm.TERMINAL.contains(t.state());
                boolean marked = m != null && m.key().equals(w.key(id)) && (m.doneWith(w.key(id)) || "failed".equals(m.state()));
                if (t != null && "PENDING".equals(t.state()) && "DependencyNeverSatisfied".equals(t.reason())) {
                    Slurm.scancel(p.name()); // --kill-on-invalid-dep should have; never leave it waiting forever
                    ended = true;
                }
                if (!ended && !(marked && m.doneWith(w.key(id)))) continue;
                it.remove();
                Path log = logFile(w.out(), p);
                if (m != null && m.doneWith(w.key(id))) {
                    ran.add(id);
                    w.log().info("done " + id + " (slurm " + p.name() + ")");
                } else if (m != null && marked) {
                    failures.put(id, m.message() + " (log: " + log + ")");
                } else if (Files.isRegularFile(log)) {
                    String why = String.format("slurm task %s ended %s without a result: %s (log: %s)", p.name(),
                        t == null ? "" : t.state(), lastLine(log), log);
                    markers.write(id, w.key(id), "failed", why, log.toString());
                    failures.put(id, why);
                } else {
                    failures.put(id, "skipped: never ran (slurm task " + p.name() + (t == null ? "" : " " + t.state())
                        + ": a job it waits on failed)");
                }
                if (failures.containsKey(id)) w.log().info("FAILED " + id + ": " + failures.get(id));
            }
            if (left.isEmpty()) break;
            if (System.nanoTime() - lastNote > 60e9) {
                w.log().info(String.format("waiting on %d slurm task(s): %s", left.size(), String.join(", ",
                    left.keySet().stream().limit(4).map(JobId::toString).toList()) + (left.size() > 4 ? ", ..." : "")));
                lastNote = System.nanoTime();
            }
            Thread.sleep((long) (options.poll * 1000));
        }
    }

    /** The last line of a log saying what went wrong (the last non-blank one). */
    public static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) if (!lines.get(i).isBlank()) return lines.get(i).strip();
        } catch (IOException | RuntimeException e) {
            // unreadable: say so below
        }
        return "(empty log)";
    }
}
