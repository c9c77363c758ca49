package flatlm.exec;

import flatlm.exec.slurm.SlurmExecutor;
import com.fasterxml.jackson.databind.JsonNode;
import flatlm.util.BadInputException;
import flatlm.util.Configs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One Slurm array task ({@code flatlm task FILE INDEX}): line 0 of FILE names the workload
 * (kind, output directory), line 1 + INDEX the job (id, key). The task rebuilds the workload
 * from the output directory, checks the job's key is still the submitted one and that the jobs
 * it waits on are done, runs it and leaves its marker (done, or failed with the reason and this
 * task's log file).
 */
public final class TaskRunner {
    private TaskRunner() {}

    /** Runs the job; throws (after marking it failed) when it fails. Prints what it did to stderr (the task's log). */
    public static void run(Path file, int index, Workloads kinds) throws Exception {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) throw new BadInputException(file + ": empty task file");
        JsonNode header = Configs.parseJson(lines.get(0));
        if (index < 0 || index + 1 >= lines.size())
            throw new BadInputException(file + ": no task " + index + " (it lists " + (lines.size() - 1) + ")");
        JsonNode task = Configs.parseJson(lines.get(index + 1));
        String idText = task.path("id").asText(), submitted = task.path("key").asText();
        Path out = Path.of(header.path("out").asText());
        String array = System.getenv("SLURM_ARRAY_JOB_ID");
        String log = array == null ? null
            : SlurmExecutor.logFile(out, new SlurmExecutor.Placement(array, index)).toString();
        JobMarkers markers = new JobMarkers(out);
        System.err.println("flatlm task " + index + " of " + file + ": " + idText);
        Workload w;
        try {
            w = kinds.open(header.path("kind").asText(), out);
        } catch (IOException | RuntimeException e) {
            markers.write(idText, submitted, "failed", "cannot rebuild the plan of " + out + ": " + e.getMessage(), log);
            throw e;
        }
        Jobs.Job job = w.jobs().list().stream().filter(j -> j.id().toString().equals(idText)).findFirst().orElse(null);
        JobId id = job == null ? null : job.id();
        String key = job == null ? null : w.key(id);
        String problem = job == null ? "job '" + idText + "' is not in the plan of " + out + " any more"
            : !key.equals(submitted) ? "the plan of " + out + " changed since this task was submitted (job " + id + ")" : null;
        if (problem == null) {
            if (markers.done(id, key)) {
                System.err.println("already done: " + id);
                return;
            }
            for (JobId d : job.after())
                if (!markers.done(d, w.key(d))) problem = id + " waits on " + d + ", which is not done";
        }
        if (problem != null) {
            markers.write(idText, submitted, "failed", problem, log);
            throw new Jobs.RunFailed(problem);
        }
        long t0 = System.nanoTime();
        markers.run(job, key, log);
        System.err.printf("done: %s in %.1f s%n", id, (System.nanoTime() - t0) / 1e9);
    }
}
