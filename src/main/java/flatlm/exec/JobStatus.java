package flatlm.exec;

import flatlm.exec.slurm.SlurmExecutor;
import flatlm.exec.slurm.Slurm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every job of a workload stands, from its marker, its last Slurm submission and squeue:
 * done, pending, running, failed (with the reason and the task's log) or not run.
 */
public final class JobStatus {
    private JobStatus() {}

    record Line(JobId id, String state, String detail) {}

    public static List<Line> of(Workload w) throws IOException, InterruptedException {
        JobMarkers markers = new JobMarkers(w.out());
        Map<String, SlurmExecutor.Placement> placed = SlurmExecutor.placements(SlurmExecutor.submissions(w.out()));
        Map<SlurmExecutor.Placement, Slurm.Task> states = Map.of();
        String noSqueue = null;
        if (!placed.isEmpty()) {
            if (Slurm.which("squeue") == null) noSqueue = "no squeue on this machine to ask";
            else {
                try {
                    states = SlurmExecutor.states(placed);
                } catch (IOException e) {
                    noSqueue = e.getMessage();
                }
            }
        }
        Map<JobId, Line> out = new LinkedHashMap<>();
        for (Jobs.Job j : w.jobs().list()) {
            JobId id = j.id();
            String key = w.key(id);
            JobMarkers.Marker m = markers.read(id);
            SlurmExecutor.Placement p = placed.get(id.toString());
            Slurm.Task t = p == null ? null : states.get(p);
            String where = p == null ? "" : " (slurm " + p.name() + ")";
            Line l;
            if (m != null && m.doneWith(key) && w.resultsPresent(id)) l = new Line(id, "done", where.strip());
            else if (t != null && !Slurm.TERMINAL.contains(t.state()))
                l = new Line(id, t.state().equals("PENDING") ? "pending" : "running", where.strip()
                    + (t.state().equals("PENDING") ? " " + t.reason() : ""));
            else if (p != null && noSqueue != null && (m == null || !m.key().equals(key)))
                l = new Line(id, "submitted", where.strip() + ", state unknown: " + noSqueue);
            else if (m != null && "failed".equals(m.state()) && m.key().equals(key))
                l = new Line(id, "failed", m.message() + (m.log() == null || m.message().contains("(log: ") ? "" : " (log: " + m.log() + ")"));
            else if (p != null && Files.isRegularFile(SlurmExecutor.logFile(w.out(), p))) {
                Path log = SlurmExecutor.logFile(w.out(), p);
                l = new Line(id, "failed", "ended without a result: " + SlurmExecutor.lastLine(log) + " (log: " + log + ")");
            } else l = new Line(id, "not run", p == null ? "" : where.strip() + " never started (a job it waits on failed)");
            out.put(id, l);
        }
        return List.copyOf(out.values());
    }

    public static String text(List<Line> lines, String noun) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String s : List.of("done", "running", "pending", "failed", "submitted", "not run")) counts.put(s, 0);
        StringBuilder b = new StringBuilder();
        for (Line l : lines) {
            counts.merge(l.state(), 1, Integer::sum);
            b.append(String.format("  %-36s %-9s %s", l.id(), l.state(), l.detail()).stripTrailing()).append('\n');
        }
        StringBuilder head = new StringBuilder(lines.size() + " " + noun + ":");
        counts.forEach((s, n) -> {
            if (n > 0 || List.of("done", "running", "failed").contains(s)) head.append(' ').append(n).append(' ').append(s).append(',');
        });
        head.setLength(head.length() - 1);
        return head + "\n" + b;
    }
}
