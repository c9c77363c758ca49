package flatlm.experiment;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.report.ResultRow;

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
 * A run's {@code measurements.jsonl}: one line per measured model, {@code {"key", "id", "row"}}
 * where key identifies the measurement settings and id the model (checkpoint and variant).
 * Lines are appended as each model is measured, so an interrupted measurement resumes with
 * the next model; a line cut by the interruption is ignored.
 */
final class MeasurementLog {
    static final String FILE = "measurements.jsonl";
    private static final JsonMapper JSON = JsonMapper.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private final Path file;
    private final String key;
    private final Map<String, ResultRow> rows = new LinkedHashMap<>();

    MeasurementLog(Path dir, String key) throws IOException {
        this.file = dir.resolve(FILE);
        this.key = key;
        if (!Files.isRegularFile(file)) return;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(line);
                if (!key.equals(n.path("key").asText())) continue;
                rows.put(n.path("id").asText(), JSON.treeToValue(n.get("row"), ResultRow.class));
            } catch (IOException | IllegalArgumentException e) {
                // a line cut by an interruption
            }
        }
    }

    synchronized ResultRow get(String id) {
        return rows.get(id);
    }

    synchronized void put(String id, ResultRow row) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("key", key);
        n.put("id", id);
        n.set("row", JSON.valueToTree(row));
        Files.createDirectories(file.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
            w.write(JSON.writeValueAsString(n));
            w.write('\n');
        }
        rows.put(id, row);
    }

    synchronized List<ResultRow> rows() {
        return new ArrayList<>(rows.values());
    }
}
