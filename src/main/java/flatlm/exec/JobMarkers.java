package flatlm.exec;

import com.fasterxml.jackson.databind.JsonNode;
import flatlm.util.Configs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One file per job in {@code OUT/jobs/}: {@code {"id", "key", "state": "done"|"failed",
 * "message", "log"}}, written (atomically) by whichever process ran the job, when it ended. A
 * job is done when its marker says done with the job's current key ({@link Workload#key}).
 */
public final class JobMarkers {
    static final String DIR = "jobs";

    /** What a marker says; {@code log} is the task's log file (Slurm), or null. */
    public record Marker(String id, String key, String state, String message, String log) {
        public boolean doneWith(String k) {
            return "done".equals(state) && k.equals(key);
        }
    }

    private final Path dir;

    public JobMarkers(Path out) {
        this.dir = out.resolve(DIR);
    }

    public Path file(JobId id) {
        return file(id.toString());
    }

    private Path file(String id) {
        String safe = id.replaceAll("[^A-Za-z0-9._-]+", "_");
        return dir.resolve(safe + "-" + flatlm.util.Checksums.shortHash(id).substring(0, 6) + ".json");
    }

    /** The marker of job {@code id}, or null when it never ended (or its file is unreadable). */
    public Marker read(JobId id) {
        Path f = file(id);
        if (!Files.isRegularFile(f)) return null;
        try {
            JsonNode n = Configs.parseJson(Files.readString(f, StandardCharsets.UTF_8));
            return new Marker(n.path("id").asText(), n.path("key").asText(), n.path("state").asText(),
                n.path("message").isNull() ? null : n.path("message").asText(null),
                n.path("log").isNull() ? null : n.path("log").asText(null));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public boolean done(JobId id, String key) {
        Marker m = read(id);
        return m != null && m.doneWith(key);
    }

    /** Runs job {@code j}, then marks it done, or failed with its one-line reason (and rethrows). */
    void run(Jobs.Job j, String key, String log) throws Exception {
        try {
            j.body().run();
        } catch (Exception | Error e) {
            write(j.id(), key, "failed", e.getMessage() == null ? e.toString() : e.getMessage(), log);
            throw e;
        }
        write(j.id(), key, "done", null, log);
    }

    public void write(JobId id, String key, String state, String message, String log) throws IOException {
        write(id.toString(), key, state, message, log);
    }

    /** The marker of the job named {@code id} in a task file (one that may not be in the plan any more). */
    void write(String id, String key, String state, String message, String log) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("key", key);
        m.put("state", state);
        m.put("message", message);
        m.put("log", log);
        flatlm.util.Io.writeAtomically(file(id), Configs.toJson(m) + "\n");
    }
}
