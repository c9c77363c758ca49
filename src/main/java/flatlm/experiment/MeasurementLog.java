package flatlm.experiment;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.report.ResultRow;
import flatlm.util.Warnings;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's {@code measurements.jsonl} (or another JSON-lines log of measured rows, such as
 * {@code probe_layers.jsonl}): one line per measured model, {@code {"key", "id", "code", "rows"}}
 * where key identifies the measurement settings ({@link Provenance#key}), id the model
 * (checkpoint and variant), code the build that measured it and rows its rows of type T
 * ({@link ResultRow}s: one per probe training size, the main size first). Lines are appended
 * as each model is measured, so an interrupted measurement resumes with the next model; a line
 * cut by the interruption, or damaged otherwise, is ignored and named (a warning with file:line),
 * and the next append starts on a line of its own.
 */
public final class MeasurementLog<T> {
    static final String FILE = "measurements.jsonl";
    /** Appends of every log in this JVM: runs that share a training directory share its files. */
    private static final Object APPEND = new Object();
    private static final JsonMapper JSON = JsonMapper.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private final Path file;
    private final String key;
    private final String code;
    private final Map<String, List<T>> rows = new LinkedHashMap<>();

    /** A run's measurements.jsonl under {@code provenance}'s key. */
    public static MeasurementLog<ResultRow> of(Path dir, Provenance provenance) throws IOException {
        return new MeasurementLog<>(dir.resolve(FILE), provenance.key(), ResultRow.class);
    }

    /** A run's measurements.jsonl under {@code key}. */
    public static MeasurementLog<ResultRow> of(Path dir, String key) throws IOException {
        return new MeasurementLog<>(dir.resolve(FILE), key, ResultRow.class);
    }

    /** The log {@code file} of rows of {@code type} under {@code key}, new lines recording this build's commit. */
    MeasurementLog(Path file, String key, Class<T> type) throws IOException {
        this.file = file;
        this.key = key;
        this.code = flatlm.util.BuildInfo.commit();
        if (!Files.isRegularFile(file)) return;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        boolean endsCut = Files.size(file) > 0 && !endsWithNewline();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(line);
                if (!n.isObject() || !n.path("rows").isArray() || !n.path("id").isTextual() || !n.path("key").isTextual())
                    throw new IllegalArgumentException("not a measurement");
                if (!key.equals(n.path("key").asText())) continue; // measured under other settings
                List<T> rs = new ArrayList<>();
                for (JsonNode r : n.get("rows")) rs.add(JSON.treeToValue(r, type));
                rows.put(n.path("id").asText(), rs);
            } catch (IOException | IllegalArgumentException e) {
                boolean cut = i == lines.size() - 1 && endsCut;
                damaged(file + ":" + (i + 1) + ": " + (cut ? "a line cut by an interruption" : "a damaged line, not a measurement")
                    + "; ignored (the model it held counts as not measured)");
            }
        }
    }

    /** Damaged lines already named in this JVM (a log is opened again by each job and by the report). */
    private static final java.util.Set<String> NAMED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void damaged(String message) {
        if (NAMED.add(message)) Warnings.warn(message);
    }

    /** The rows of model {@code id} (main probe size first), or null when it was not measured with this key. */
    public synchronized List<T> get(String id) {
        return rows.get(id);
    }

    public synchronized void put(String id, List<T> modelRows) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("key", key);
        n.put("id", id);
        n.put("code", code);
        n.set("rows", JSON.valueToTree(modelRows));
        synchronized (APPEND) {
            Files.createDirectories(file.getParent());
            boolean cut = Files.isRegularFile(file) && Files.size(file) > 0 && !endsWithNewline();
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
                if (cut) w.write('\n'); // end the line an interruption cut (named when read), so it cannot swallow this one
                w.write(JSON.writeValueAsString(n));
                w.write('\n');
            }
        }
        rows.put(id, List.copyOf(modelRows));
    }

    private boolean endsWithNewline() throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
            f.seek(f.length() - 1);
            return f.read() == '\n';
        }
    }

    /** Every row of every measured model, in id order. */
    synchronized List<T> rows() {
        return rows(id -> true);
    }

    /**
     * The rows of the models whose id passes {@code keep}, in id order ("step-0000010" before
     * "step-0000010|embedded-…" before "step-0000020"), each model's rows as measured (the main
     * probe size first): the order does not depend on the order of measurement, so an
     * interrupted and resumed reproduction, or {@code flatlm report}, lists the same rows in the
     * same order as an uninterrupted one.
     */
    synchronized List<T> rows(java.util.function.Predicate<String> keep) {
        List<T> out = new ArrayList<>();
        for (var e : new java.util.TreeMap<>(rows).entrySet()) if (keep.test(e.getKey())) out.addAll(e.getValue());
        return out;
    }
}
