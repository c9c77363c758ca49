package flatlm.report;

import flatlm.report.ReportData.Means;
import flatlm.report.ReportData.Section;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Section 7, learning curves: probe accuracy and probe cross-entropy of the final checkpoint of
 * every condition against the probe training size (mean over pre-training seeds ± s.e. across
 * them, or ± the probe-seed std with one seed), and the paired comparisons of {@link Claims}
 * at every size. Left out when the rows hold a single probe size.
 */
final class LearningCurves {
    private static final List<String> EXPERIMENTS = List.of(Experiment.CONVERGENCE.id(), Experiment.SIZE.id(), Experiment.ALGORITHMS.id());

    private final ReportData d;

    LearningCurves(ReportData d) {
        this.d = d;
    }

    /** A condition: its label and the rows of its final checkpoints (one per seed and probe size). */
    record Condition(String label, List<ResultRow> rows) {}

    /** The final checkpoint of each run and seed, at every probe size, per (experiment, run). */
    List<Condition> conditions() {
        List<Condition> out = new ArrayList<>();
        for (String exp : EXPERIMENTS) {
            for (var run : ReportData.bySeed(ReportData.asTrained(d.all, exp)).entrySet()) {
                List<ResultRow> rs = new ArrayList<>();
                for (List<ResultRow> g : run.getValue().values()) {
                    long last = g.stream().mapToLong(ResultRow::step).max().orElse(-1);
                    for (ResultRow r : g) if (r.step() == last && r.probeTrain() > 0) rs.add(r);
                }
                String label = "lookup".equals(run.getKey()) ? "lookup table" : exp + "/" + run.getKey();
                if (!rs.isEmpty()) out.add(new Condition(label, rs));
            }
        }
        return out;
    }

    static Means accuracy(List<ResultRow> rs, String task) {
        return ReportData.overSeeds(rs, ResultRow::probeTrain, r -> 100 * r.acc(task), r -> {
            ResultRow.Accuracy a = r.accuracy().get(task);
            return a == null ? Double.NaN : 100 * a.std();
        });
    }

    static Means probeCe(List<ResultRow> rs, String task) {
        return ReportData.overSeeds(rs, ResultRow::probeTrain, r -> {
            ResultRow.Accuracy a = r.accuracy().get(task);
            return a == null ? Double.NaN : a.ce();
        }, r -> {
            ResultRow.Accuracy a = r.accuracy().get(task);
            return a == null ? Double.NaN : a.ceStd();
        });
    }

    Section section() throws IOException {
        String task = d.main();
        if (d.sizes.size() < 2 || task == null) return new Section("", "one probe training size");
        StringBuilder s = new StringBuilder("## 7 Learning curves (probe training size)\n\n");
        s.append("Probe accuracy and probe test cross-entropy on ").append(task).append(" of the final checkpoint of every "
            + "condition against the number of probe training examples (").append(sizesText())
            .append("; the other sections use ").append(d.probeTrain).append("). Mean over pre-training seeds ± the standard "
                + "error across them (± the probe-seed std where a condition has one seed).\n\n");
        List<Condition> cs = conditions();
        List<Plots.Series> ss = new ArrayList<>();
        for (Condition c : cs) {
            Means m = accuracy(c.rows(), task);
            ss.add(Plots.Series.line(c.label(), m.x(), m.y(), m.err()));
        }
        s.append(d.figure(new Plots.Figure("learning-curves", "Probe accuracy vs probe training size, " + task,
            "probe training examples (log scale)", "accuracy (%)", ss).withLogX()));
        s.append("**Accuracy** (%):\n\n").append(table(cs, task, true, 1)).append("**Probe cross-entropy** (nats):\n\n")
            .append(table(cs, task, false, 3));
        s.append("**Paired comparisons at every size** (as in the headline: the measured change b − a ± s.e. over pre-training "
            + "seeds, with the sign the paper predicts in brackets; p of the paired t test; mde80 the minimum detectable effect at "
            + "80 % power; n seeds; probe CE is predicted to fall):\n\n");
        Map<String, Map<Integer, Claims.Claim>> byClaim = new LinkedHashMap<>();
        for (int size : d.sizes) {
            List<ResultRow> at = d.all.stream().filter(r -> r.probeTrain() == size).toList();
            for (Claims.Metric m : List.of(Claims.Metric.ACCURACY, Claims.Metric.PROBE_CE)) {
                for (Claims.Claim c : Claims.downstream(at, task, d.ctx.saturationKl(), m)) {
                    byClaim.computeIfAbsent(c.claim() + " (" + c.metric().unit + ")", k -> new LinkedHashMap<>()).put(size, c);
                }
            }
        }
        s.append("| comparison |");
        for (int size : d.sizes) s.append(' ').append(size).append(" |");
        s.append("\n|---|").append("---|".repeat(d.sizes.size())).append('\n');
        for (var e : byClaim.entrySet()) {
            s.append("| ").append(e.getKey()).append(" |");
            for (int size : d.sizes) s.append(' ').append(cell(e.getValue().get(size))).append(" |");
            s.append('\n');
        }
        s.append('\n');
        return new Section(s.toString(), "");
    }

    private String sizesText() {
        return d.sizes.size() + " sizes, " + d.sizes.get(0) + " to " + d.sizes.get(d.sizes.size() - 1);
    }

    /** "+2.3 ± 0.9 (pred. +), p 0.012, mde80 1.8, n 3: held". */
    static String cell(Claims.Claim c) {
        if (c == null) return Fmt.NA;
        Power.Estimate e = c.estimate();
        if (c.verdict().outcome() == Power.Outcome.UNTESTED) return Fmt.NA + " (" + c.verdict().text() + ")";
        int k = c.metric().digits;
        return Fmt.signed(c.change(), k) + " ± " + Fmt.f(e.se(), k) + " (pred. " + c.predictedSign() + "), p " + Fmt.p(e.p())
            + ", mde80 " + Fmt.f(e.mde80(), k) + ", n " + e.n() + ": " + c.verdict().brief();
    }

    private String table(List<Condition> cs, String task, boolean acc, int digits) {
        StringBuilder s = new StringBuilder("| condition | seeds |");
        for (int size : d.sizes) s.append(' ').append(size).append(" |");
        s.append("\n|---|---:|").append("---:|".repeat(d.sizes.size())).append('\n');
        for (Condition c : cs) {
            Means m = acc ? accuracy(c.rows(), task) : probeCe(c.rows(), task);
            int seeds = 0;
            for (int n : m.n()) seeds = Math.max(seeds, n);
            s.append("| ").append(c.label()).append(" | ").append(seeds).append(" |");
            for (int size : d.sizes) {
                String v = Fmt.NA;
                for (int i = 0; i < m.x().length; i++) if (m.x()[i] == size) v = Fmt.pm(m.y()[i], m.err()[i], digits);
                s.append(' ').append(v).append(" |");
            }
            s.append('\n');
        }
        return s.append('\n').toString();
    }
}
