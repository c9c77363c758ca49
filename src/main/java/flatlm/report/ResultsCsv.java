package flatlm.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * results.csv: one line per {@link ResultRow}, the fixed columns then acc_TASK_mean, acc_TASK_std,
 * acc_TASK_n, probe_ce_TASK_mean, probe_ce_TASK_std, probe_unconverged_TASK (probe seeds whose solver
 * stopped at its iteration limit) and bayes_TASK for the union of the rows' tasks; NaN and missing
 * values are empty; labels_per_context is "inf" for exact targets. A file from before the algorithm and
 * labels_per_context columns reads with an empty algorithm and NaN.
 * {@link #read} parses it back, so a report can be regenerated from the CSV alone.
 */
public final class ResultsCsv {
    public static final List<String> FIXED = List.of("experiment", "run", "variant", "algorithm", "labels_per_context", "seed", "step",
        "x", "parameters", "ce", "entropy", "kl", "kl_stderr", "saturated", "trH", "trH_stderr", "trH_estimator", "trH_stop", "probe_train", "checkpoint");

    private ResultsCsv() {}

    /** The union of the rows' tasks, {@code first} (the context's tasks) in front. */
    public static List<String> tasks(List<ResultRow> rows, List<String> first) {
        Set<String> out = new LinkedHashSet<>(first);
        for (ResultRow r : rows) {
            out.addAll(r.accuracy().keySet());
            out.addAll(r.bayes().keySet());
        }
        return new ArrayList<>(out);
    }

    public static String format(List<ResultRow> rows, List<String> tasks) {
        List<String> header = new ArrayList<>(FIXED);
        for (String t : tasks) header.addAll(List.of("acc_" + t + "_mean", "acc_" + t + "_std", "acc_" + t + "_n",
            "probe_ce_" + t + "_mean", "probe_ce_" + t + "_std", "probe_unconverged_" + t, "bayes_" + t));
        StringBuilder s = new StringBuilder(line(header));
        for (ResultRow r : rows) {
            List<String> v = new ArrayList<>(List.of(nz(r.experiment()), nz(r.run()), r.variant(), r.algorithm(), k(r.labelsPerContext()),
                Long.toString(r.seed()),
                Long.toString(r.step()), num(r.x()), Long.toString(r.parameters()), num(r.ce()), num(r.entropy()), num(r.kl()),
                num(r.klStderr()), Boolean.toString(r.saturated()), num(r.trH()), num(r.trHStderr()), nz(r.trHEstimator()),
                nz(r.trHStop()), Integer.toString(r.probeTrain()), nz(r.checkpoint())));
            for (String t : tasks) {
                ResultRow.Accuracy a = r.accuracy().get(t);
                Double b = r.bayes().get(t);
                v.addAll(List.of(a == null ? "" : num(a.mean()), a == null ? "" : num(a.std()),
                    a == null ? "" : Integer.toString(a.n()), a == null ? "" : num(a.ce()), a == null ? "" : num(a.ceStd()),
                    a == null ? "" : Integer.toString(a.unconverged()), b == null ? "" : num(b)));
            }
            s.append(line(v));
        }
        return s.toString();
    }

    public static List<ResultRow> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<ResultRow> out = new ArrayList<>();
        if (lines.isEmpty()) return out;
        List<String> header = split(lines.get(0));
        Map<String, Integer> col = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) col.put(header.get(i), i);
        List<String> tasks = new ArrayList<>();
        for (String h : header) if (h.startsWith("acc_") && h.endsWith("_mean")) tasks.add(h.substring(4, h.length() - 5));
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> v = split(line);
            java.util.function.Function<String, String> g = k -> col.containsKey(k) && col.get(k) < v.size() ? v.get(col.get(k)) : "";
            Map<String, ResultRow.Accuracy> acc = new LinkedHashMap<>();
            Map<String, Double> bayes = new LinkedHashMap<>();
            for (String t : tasks) {
                if (!g.apply("acc_" + t + "_mean").isEmpty()) {
                    String n = g.apply("acc_" + t + "_n"), u = g.apply("probe_unconverged_" + t);
                    acc.put(t, new ResultRow.Accuracy(d(g.apply("acc_" + t + "_mean")), d(g.apply("acc_" + t + "_std")),
                        n.isEmpty() ? 0 : Integer.parseInt(n), d(g.apply("probe_ce_" + t + "_mean")), d(g.apply("probe_ce_" + t + "_std")),
                        u.isEmpty() ? 0 : Integer.parseInt(u)));
                }
                if (!g.apply("bayes_" + t).isEmpty()) bayes.put(t, d(g.apply("bayes_" + t)));
            }
            String probeTrain = g.apply("probe_train");
            out.add(ResultRow.builder().model(g.apply("experiment"), g.apply("run"), g.apply("variant"))
                .training(g.apply("algorithm"), k(g.apply("labels_per_context")))
                .at(l(g.apply("seed")), l(g.apply("step")), d(g.apply("x"))).parameters(l(g.apply("parameters")))
                .loss(d(g.apply("ce")), d(g.apply("entropy")), d(g.apply("kl")), d(g.apply("kl_stderr")))
                .saturated(Boolean.parseBoolean(g.apply("saturated")))
                .trace(d(g.apply("trH")), d(g.apply("trH_stderr")), emptyToNull(g.apply("trH_estimator")), g.apply("trH_stop"))
                .probes(probeTrain.isEmpty() ? 0 : Integer.parseInt(probeTrain), acc, bayes)
                .checkpoint(emptyToNull(g.apply("checkpoint"))).build());
        }
        return out;
    }

    static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    /** labels_per_context: "inf" for exact targets, whole numbers without decimals, "" when unknown. */
    static String k(double v) {
        if (v == Double.POSITIVE_INFINITY) return "inf";
        return Double.isFinite(v) ? Fmt.x(v) : "";
    }

    private static double k(String s) {
        return s.equals("inf") ? Double.POSITIVE_INFINITY : d(s);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static long l(String s) {
        return s.isEmpty() ? -1 : Long.parseLong(s);
    }

    /** One CSV line with RFC 4180 quoting, ending in a newline. */
    static String line(List<String> values) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i).replace('\n', ' ').replace('\r', ' ');
            if (i > 0) s.append(',');
            if (v.contains(",") || v.contains("\"") || v.contains("\n")) s.append('"').append(v.replace("\"", "\"\"")).append('"');
            else s.append(v);
        }
        return s.append('\n').toString();
    }

    /** One CSV line (RFC 4180 quoting; no newlines inside fields). */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') { cur.append('"'); i++; }
                else if (c == '"') quoted = false;
                else cur.append(c);
            } else if (c == '"') quoted = true;
            else if (c == ',') { out.add(cur.toString()); cur.setLength(0); }
            else cur.append(c);
        }
        out.add(cur.toString());
        return out;
    }
}
