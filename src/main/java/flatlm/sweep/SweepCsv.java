package flatlm.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import flatlm.report.ResultRow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sweep.csv}: one row per run and measured checkpoint, in plan order: stage, run label,
 * the swept values, seed, step, run hash, parameters, exact CE / H / KL ± s.e. (clustered by
 * sentence), saturated, Tr(H) ± s.e., then per task and probe training size the probe accuracy
 * (mean over probe seeds) ± s.e. (std / √seeds) and the probe's cross-entropy, the Bayes ceiling
 * per task, and the run directory. Empty cells are values not measured. The same measurements
 * give the same bytes (numbers as {@link Double#toString}).
 */
final class SweepCsv {
    static final String FILE = "sweep.csv";

    private SweepCsv() {}

    /** The swept keys that get a column of their own (the seed has its column anyway). */
    static List<String> keyColumns(SweepPlan p) {
        return p.keys.stream().filter(k -> !k.equals("seed")).toList();
    }

    static List<String> header(Sweep s) {
        SweepPlan p = s.plan();
        List<String> h = new ArrayList<>(List.of("stage", "run"));
        h.addAll(keyColumns(p));
        h.addAll(List.of("seed", "step", "hash", "parameters", "ce", "entropy", "kl", "kl_stderr", "saturated", "trH", "trH_stderr"));
        int[] sizes = sizes(s);
        for (String t : p.measure.tasks)
            for (int n : sizes) h.addAll(List.of("acc_" + t + "_n" + n, "acc_stderr_" + t + "_n" + n, "probe_ce_" + t + "_n" + n));
        for (String t : p.measure.tasks) h.add("bayes_" + t);
        h.add("run_dir");
        return h;
    }

    static int[] sizes(Sweep s) {
        return s.runs().isEmpty() ? new int[0] : s.measurePlan(s.runs().get(0)).probeSizes();
    }

    static String text(Sweep s, List<Sweep.Measured> rows) {
        StringBuilder b = new StringBuilder(String.join(",", header(s))).append('\n');
        SweepPlan p = s.plan();
        int[] sizes = sizes(s);
        for (Sweep.Measured m : rows) {
            ResultRow r = m.rows().get(0);
            List<String> v = new ArrayList<>(List.of(m.run().experiment(), m.run().label()));
            for (String k : keyColumns(p)) {
                JsonNode x = m.point().values.get(k);
                v.add(x == null ? "" : cell(SweepResolver.format(x)));
            }
            v.addAll(List.of(Long.toString(m.run().seed()), Long.toString(r.step()), m.run().hash(), Long.toString(r.parameters()),
                num(r.ce()), num(r.entropy()), num(r.kl()), num(r.klStderr()), Boolean.toString(r.saturated()), num(r.trH()),
                num(r.trHStderr())));
            for (String t : p.measure.tasks)
                for (int n : sizes) {
                    ResultRow.Accuracy a = null;
                    for (ResultRow x : m.rows()) if (x.probeTrain() == n) a = x.accuracy().get(t);
                    v.add(a == null ? "" : num(a.mean()));
                    v.add(a == null ? "" : num(a.n() > 1 ? a.std() / Math.sqrt(a.n()) : Double.NaN));
                    v.add(a == null ? "" : num(a.ce()));
                }
            for (String t : p.measure.tasks) v.add(r.bayes().containsKey(t) ? num(r.bayes().get(t)) : "");
            v.add(cell(s.out().relativize(m.run().dir(s.out())).toString()));
            b.append(String.join(",", v)).append('\n');
        }
        return b.toString();
    }

    static Path write(Sweep s, List<Sweep.Measured> rows) throws IOException {
        Path f = s.out().resolve(FILE);
        Files.writeString(f, text(s, rows), StandardCharsets.UTF_8);
        return f;
    }

    static String num(double x) {
        return Double.isNaN(x) ? "" : Double.toString(x);
    }

    private static String cell(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
