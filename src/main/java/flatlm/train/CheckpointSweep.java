package flatlm.train;

import flatlm.eval.DownstreamResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.util.BadInputException;
import flatlm.util.Io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A downstream evaluation of every checkpoint of a run, as a table: step, accuracy mean and
 * standard deviation (MSE for regression), and the exact pre-training loss that the run logged
 * at that step in {@code metrics.jsonl} (CE, H, KL; empty where the run has no evaluation at
 * that step). Written as CSV beside a JSON document that also holds every per-seed result.
 */
public final class CheckpointSweep {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The exact-loss columns copied from {@code metrics.jsonl}. */
    public static final List<String> LOSS_KEYS = List.of("ce", "entropy", "kl", "log10_kl");

    /** One evaluated checkpoint; {@code loss} holds the {@link #LOSS_KEYS} the run logged at its step. */
    public record Row(long step, Path checkpoint, DownstreamResult result, Map<String, Double> loss) {}

    /** Evaluates one (verified) checkpoint directory. */
    @FunctionalInterface
    public interface Evaluator {
        DownstreamResult evaluate(Path checkpoint) throws IOException;
    }

    private CheckpointSweep() {}

    /** The checkpoint directories of a run, oldest first; a one-line error if there are none. */
    public static List<Path> checkpoints(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) throw new BadInputException(runDir + ": no such run directory");
        List<Path> all = Checkpoint.list(runDir.resolve(Trainer.CHECKPOINTS));
        if (all.isEmpty()) throw new BadInputException(runDir + ": not a run directory with checkpoints (no "
            + Trainer.CHECKPOINTS + "/step-*)");
        return all;
    }

    /** step → exact-loss values of the evaluation lines of {@code metrics.jsonl} (empty if absent). */
    public static Map<Long, Map<String, Double>> metrics(Path runDir) throws IOException {
        Map<Long, Map<String, Double>> out = new TreeMap<>();
        Path file = runDir.resolve(Trainer.METRICS);
        if (!Files.isRegularFile(file)) return out;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode j;
            try {
                j = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line cut by an interruption
            }
            if (!j.has("step") || !j.has("ce")) continue;
            Map<String, Double> m = new LinkedHashMap<>();
            for (String k : LOSS_KEYS) if (j.has(k) && j.get(k).isNumber()) m.put(k, j.get(k).asDouble());
            out.put(j.get("step").asLong(), m);
        }
        return out;
    }

    /** The rows of a sweep, and the checkpoints it refused (each "PATH: why"), in step order. */
    public record Sweep(List<Row> rows, List<String> refused) {}

    /**
     * The checkpoints of {@code runDir} whose files match their manifests; each other one is
     * named in {@code refused} ("PATH: why") and left out. A one-line error when none is left.
     */
    public static List<Path> verified(Path runDir, List<String> refused) throws IOException {
        List<Path> ok = new ArrayList<>();
        for (Path dir : checkpoints(runDir)) {
            try {
                Checkpoint.verify(dir);
                ok.add(dir);
            } catch (BadInputException e) {
                refused.add(e.getMessage());
                flatlm.util.Warnings.warn("skipping checkpoint " + dir.getFileName() + ": " + e.getMessage());
            }
        }
        if (ok.isEmpty()) throw new BadInputException(runDir + ": no checkpoint passes its checksums (" + String.join("; ", refused) + ")");
        return ok;
    }

    /**
     * Evaluates every verified checkpoint of {@code runDir}, skipping (and naming) a corrupt one
     * rather than losing the others; {@code onRow} (nullable) sees each row.
     */
    public static Sweep run(Path runDir, Evaluator evaluator, Consumer<Row> onRow) throws IOException {
        List<String> refused = new ArrayList<>();
        return run(runDir, verified(runDir, refused), refused, evaluator, onRow);
    }

    /** Evaluates {@code checkpoints} (from {@link #verified}, which filled {@code refused}). */
    public static Sweep run(Path runDir, List<Path> checkpoints, List<String> refused, Evaluator evaluator, Consumer<Row> onRow)
        throws IOException {
        Map<Long, Map<String, Double>> metrics = metrics(runDir);
        List<Row> rows = new ArrayList<>();
        for (Path dir : checkpoints) {
            long step = Checkpoint.readState(dir).step();
            Row row = new Row(step, dir, evaluator.evaluate(dir), metrics.getOrDefault(step, Map.of()));
            rows.add(row);
            if (onRow != null) onRow.accept(row);
        }
        return new Sweep(rows, List.copyOf(refused));
    }

    /** CSV header of a table of {@code regression} results. */
    public static List<String> header(boolean regression) {
        List<String> h = new ArrayList<>(List.of("step", "accuracy_mean", "accuracy_std"));
        if (regression) h.addAll(List.of("mse_mean", "mse_std"));
        h.addAll(LOSS_KEYS);
        return h;
    }

    /** The CSV text: one line per checkpoint, the columns of {@link #header}. */
    public static String csv(List<Row> rows) {
        return csv(rows, Map.of());
    }

    /** {@link #csv} with {@code fixed} columns after the step. */
    public static String csv(List<Row> rows, Map<String, String> fixed) {
        boolean regression = !rows.isEmpty() && rows.get(0).result().regression();
        List<String> h = header(regression);
        h.addAll(1, fixed.keySet());
        StringBuilder sb = new StringBuilder(String.join(",", h)).append('\n');
        for (Row r : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(Long.toString(r.step()));
            cells.addAll(fixed.values());
            cells.add(num(r.result().accuracy().mean()));
            cells.add(num(r.result().accuracy().std()));
            if (regression) {
                cells.add(num(r.result().mse().mean()));
                cells.add(num(r.result().mse().std()));
            }
            for (String k : LOSS_KEYS) cells.add(r.loss().containsKey(k) ? num(r.loss().get(k)) : "");
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    /** The JSON document: the run, then one object per checkpoint (its result and logged loss). */
    public static Map<String, Object> toJson(Path runDir, List<Row> rows) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", runDir.toString());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", r.step());
            m.put("checkpoint", r.checkpoint().toString());
            m.putAll(r.loss());
            m.put("result", r.result().toJson());
            list.add(m);
        }
        out.put("checkpoints", list);
        return out;
    }

    /** Writes {@code json} to {@code jsonFile} and the CSV beside it (same name, {@code .csv}). Returns the CSV path. */
    public static Path write(Path jsonFile, Path runDir, List<Row> rows) throws IOException {
        return write(jsonFile, runDir, rows, Map.of());
    }

    /**
     * {@link #write}, with {@code fixed} columns (e.g. the probe's layer and read) after the step in
     * every CSV line and as top-level keys of the JSON document.
     */
    public static Path write(Path jsonFile, Path runDir, List<Row> rows, Map<String, String> fixed) throws IOException {
        Path parent = jsonFile.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        String name = jsonFile.getFileName().toString();
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        Path csvFile = jsonFile.resolveSibling(stem + ".csv");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run", runDir.toString());
        json.putAll(fixed);
        json.putAll(toJson(runDir, rows));
        Io.writeString(jsonFile, flatlm.util.Configs.toJson(json) + "\n");
        Io.writeString(csvFile, csv(rows, fixed));
        return csvFile;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
