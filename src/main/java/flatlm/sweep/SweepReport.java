package flatlm.sweep;

import flatlm.experiment.ExperimentPlan;
import com.fasterxml.jackson.databind.JsonNode;
import flatlm.report.Plots;
import flatlm.report.ResultRow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The sweep's {@code report.md} and {@code plots/}: per stage, each point's last checkpoint
 * averaged over its pre-training seeds (mean ± s.e. = std / √seeds; with one seed, the
 * measurement's own s.e.), and each metric (exact KL, CE, Tr(H), probe accuracy per task at the
 * main probe size) against each swept key, one series per combination of the other keys.
 */
final class SweepReport {
    private SweepReport() {}

    /** A metric of a row and its own standard error. */
    record Metric(String name, String title, ToDoubleFunction<ResultRow> value, ToDoubleFunction<ResultRow> stderr, boolean logY) {}

    /** The points of one stage: label → their rows (one per seed, the last measured checkpoint). */
    record Group(String stage, SweepPlan.Point point, List<ResultRow> rows) {}

    static List<Metric> metrics(SweepPlan p) {
        List<Metric> m = new ArrayList<>();
        m.add(new Metric("kl", "exact KL (nats/token)", ResultRow::kl, ResultRow::klStderr, true));
        m.add(new Metric("ce", "exact cross-entropy (nats/token)", ResultRow::ce, r -> Double.NaN, false));
        if (p.measure.estimator() != ExperimentPlan.Measure.Estimator.NONE) m.add(new Metric("trH", "Tr(H)", ResultRow::trH, ResultRow::trHStderr, false));
        for (String t : p.measure.tasks)
            m.add(new Metric("acc-" + t.replace(':', '_'), t + " probe accuracy (" + p.measure.probeTrain + " examples)",
                r -> r.acc(t), r -> {
                    ResultRow.Accuracy a = r.accuracy().get(t);
                    return a == null || a.n() < 2 ? Double.NaN : a.std() / Math.sqrt(a.n());
                }, false));
        return m;
    }

    /** Last measured checkpoint of each run at the main probe size, grouped by stage and point. */
    static List<Group> groups(Sweep s, List<Sweep.Measured> rows) {
        Map<String, Sweep.Measured> last = new LinkedHashMap<>();
        for (Sweep.Measured m : rows) last.put(m.run().id(), m); // plan order: the last checkpoint comes last
        Map<String, Group> g = new LinkedHashMap<>();
        for (Sweep.Measured m : last.values()) {
            ResultRow main = m.rows().stream().filter(r -> r.probeTrain() == s.plan().measure.probeTrain).findFirst().orElse(m.rows().get(0));
            g.computeIfAbsent(m.run().experiment() + "/" + m.run().label(), k -> new Group(m.run().experiment(), m.point(), new ArrayList<>()))
                .rows().add(main);
        }
        return new ArrayList<>(g.values());
    }

    /** Mean and s.e. of a metric over a group's seeds. */
    static double[] meanSe(List<ResultRow> rows, Metric m) {
        List<ResultRow> ok = rows.stream().filter(r -> !Double.isNaN(m.value().applyAsDouble(r))).toList();
        flatlm.stats.Summary s = flatlm.stats.Summary.of(ok.stream().mapToDouble(m.value()).toArray());
        if (s.n() == 1) return new double[] {s.mean(), m.stderr().applyAsDouble(ok.get(0))};
        return new double[] {s.mean(), s.se()};
    }

    static Path write(Sweep s, List<Sweep.Measured> rows, Map<flatlm.exec.JobId, String> failures, String command, double minutes) throws IOException {
        SweepPlan p = s.plan();
        Path plots = s.out().resolve("plots");
        List<Group> groups = groups(s, rows);
        List<Metric> metrics = metrics(p);
        List<String> keys = SweepCsv.keyColumns(p).isEmpty() ? List.of("seed") : SweepCsv.keyColumns(p);
        StringBuilder md = new StringBuilder();
        md.append("# Sweep ").append(p.name).append("\n\n");
        if (!p.description.isEmpty()) md.append(p.description).append("\n\n");
        md.append(String.format(Locale.ROOT, "%d runs (%d points × %d stage(s)) from `%s`; %d checkpoints measured%s. Every row is in "
                + "`sweep.csv`; runs in `runs/`.%n%n", s.runs().size(), p.points.size(), p.stages.size(), p.source, rows.size(),
            Double.isNaN(minutes) ? "" : String.format(Locale.ROOT, " in %.1f min", minutes)));
        md.append("```\n").append(command).append("\n```\n\n");
        if (!failures.isEmpty()) {
            md.append("**Failed:**\n\n");
            failures.forEach((j, w) -> md.append("- ").append(j).append(": ").append(w).append('\n'));
            md.append('\n');
        }
        for (SweepPlan.Stage st : p.stages) {
            List<Group> gs = groups.stream().filter(g -> g.stage().equals(st.name)).toList();
            if (gs.isEmpty()) continue;
            md.append("## Stage ").append(st.name).append(st.from == null ? "" : " (continues " + st.from + ")").append("\n\n");
            md.append("Last checkpoint of each run, mean ± s.e. over pre-training seeds.\n\n|");
            for (String k : SweepCsv.keyColumns(p)) md.append(' ').append(k).append(" |");
            md.append(" seeds |");
            for (Metric m : metrics) md.append(' ').append(m.title()).append(" |");
            md.append("\n|").append("---|".repeat(SweepCsv.keyColumns(p).size() + 1 + metrics.size())).append('\n');
            for (Group g : gs) {
                md.append('|');
                for (String k : SweepCsv.keyColumns(p)) md.append(' ').append(value(g.point(), k)).append(" |");
                md.append(' ').append(g.rows().size()).append(" |");
                for (Metric m : metrics) {
                    double[] ms = meanSe(g.rows(), m);
                    md.append(' ').append(fmt(ms[0])).append(Double.isNaN(ms[1]) ? "" : " ± " + fmt(ms[1])).append(" |");
                }
                md.append('\n');
            }
            md.append('\n');
            for (Metric m : metrics)
                for (String k : keys) {
                    String name = st.name + "-" + m.name() + "-vs-" + k.replace('.', '_');
                    if (!plot(s, gs, m, k, name, plots).isEmpty()) md.append("![").append(name).append("](plots/").append(name).append(".png)\n");
                }
            md.append('\n');
        }
        Path f = s.out().resolve("report.md");
        Files.writeString(f, md.toString(), StandardCharsets.UTF_8);
        return f;
    }

    /** Metric m against key k: one series per combination of the other swept keys, each point the mean over seeds ± s.e. */
    private static List<Path> plot(Sweep s, List<Group> gs, Metric m, String k, String name, Path dir) throws IOException {
        List<String> others = SweepCsv.keyColumns(s.plan()).stream().filter(o -> !o.equals(k)).toList();
        List<String> categories = new ArrayList<>();
        boolean numeric = true;
        for (Group g : gs) {
            JsonNode v = k.equals("seed") ? null : g.point().values.get(k);
            if (v != null && !v.isNumber()) numeric = false;
            String c = value(g.point(), k);
            if (!categories.contains(c)) categories.add(c);
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        boolean positive = true;
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (Group g : gs) {
            String label = String.join(" ", others.stream().map(o -> o + "=" + value(g.point(), o)).toList());
            double x = k.equals("seed") ? g.point().seed : numeric && g.point().values.has(k) ? g.point().values.get(k).doubleValue()
                : categories.indexOf(value(g.point(), k));
            positive &= x > 0;
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
            double[] ms = meanSe(g.rows(), m);
            series.computeIfAbsent(label.isEmpty() ? "mean over seeds" : label, l -> new ArrayList<>()).add(new double[] {x, ms[0], ms[1]});
        }
        List<Plots.Series> list = new ArrayList<>();
        for (var e : series.entrySet()) {
            List<double[]> pts = e.getValue().stream().sorted((a, b) -> Double.compare(a[0], b[0])).toList();
            list.add(Plots.Series.line(e.getKey(), pts.stream().mapToDouble(a -> a[0]).toArray(), pts.stream().mapToDouble(a -> a[1]).toArray(),
                pts.stream().mapToDouble(a -> a[2]).toArray()));
        }
        String xTitle = numeric ? k : k + " (" + String.join(", ", categories) + ")";
        Plots.Figure f = new Plots.Figure(name, m.title() + " vs " + k, xTitle, m.title(), list);
        if (numeric && positive && hi >= 10 * lo) f = f.withLogX();
        if (m.logY()) f = f.withLogY();
        return Plots.write(f, dir);
    }

    private static String value(SweepPlan.Point p, String k) {
        if (k.equals("seed")) return Long.toString(p.seed);
        JsonNode v = p.values.get(k);
        return v == null ? "" : SweepResolver.format(v);
    }

    private static String fmt(double x) {
        if (Double.isNaN(x)) return "–";
        double a = Math.abs(x);
        return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.3g", x) : String.format(Locale.ROOT, "%.4f", x);
    }
}
