package flatlm.report;

import flatlm.report.ReportData.Section;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Section 8, the probe at every layer ({@code measure.probeLayers}): accuracy and probe
 * cross-entropy on the main task against the layer state, per read, for the final checkpoint of
 * every condition and for the random initialisation (each seed's step 0); then, per layer and
 * read, the paired difference saturated − random initialisation over pre-training seeds (the
 * convergence run's final AdamW checkpoint against its own step 0), effect ± s.e. = sd(Δ_s)/√n
 * (one seed: the probe seeds' √(s_a²/n_a + s_b²/n_b), shown but not tested), and whether the paired
 * t test (df = n − 1) rejects at p &lt; 0.05.
 */
public final class ProbeLayers {
    /** What the report needs of the per-layer probes: the rows, and the main probe's representation per task. */
    public record Input(List<LayerRow> rows, Map<String, String> representation) {
        public static final Input NONE = new Input(List.of(), Map.of());

        public Input {
            rows = List.copyOf(rows);
            representation = new LinkedHashMap<>(representation);
        }
    }

    static final String RANDOM_INIT = "random init";

    private final ReportData d;
    private final Input in;

    ProbeLayers(ReportData d, Input in) {
        this.d = d;
        this.in = in;
    }

    /** "hmm:4: final/concat (final layer, every word's state concatenated)" for each task. */
    static String representations(List<String> tasks, Input in) {
        List<String> out = new ArrayList<>();
        for (String t : tasks) {
            String id = in.representation().getOrDefault(t, "final/concat");
            out.add(t + " " + describe(id));
        }
        return String.join("; ", out);
    }

    static String describe(String id) {
        String[] p = id.split("/");
        String layer = p[0].equals("final") ? "the final layer state" : "layer state " + p[0];
        String read = p.length > 1 && p[1].equals("masked") ? "at the task's position with that word masked, + the word's embedding"
            : "of every word, concatenated";
        return "(" + id + "): " + layer + " " + read + (id.equals("final/concat") ? ", the paper's" : "");
    }

    /** Condition label of a row: "random init" for a step-0 checkpoint, else experiment/run. */
    static String condition(LayerRow r) {
        return r.step() == 0 ? RANDOM_INIT : r.experiment() + "/" + r.run();
    }

    Section section() throws IOException {
        if (in.rows().isEmpty()) return new Section("", "");
        String task = in.rows().get(0).task();
        StringBuilder s = new StringBuilder("## 8 Probe by layer\n\n");
        s.append("The linear probe on ").append(task).append(" at every layer state (0 = the embedding output, then each block's "
            + "output, the final LayerNorm last), with ").append(in.rows().get(0).probeTrain()).append(" probe training examples and "
            + "the main probe's splits, of the final checkpoint of every condition and of each seed's random initialisation "
            + "(step 0 of the convergence run). Reads: *concat* = every word's state, concatenated (the paper's); *masked* = the "
            + "state at the task's position with that word replaced by [MASK] (where single-mask pre-training puts its "
            + "information), concatenated with the word's own embedding output. Mean over pre-training seeds ± the standard "
            + "error across them (± the probe-seed std with one seed). Written to `probe_layers.csv`.\n\n");
        List<String> reads = in.rows().stream().map(LayerRow::read).distinct().toList();
        for (String read : reads) {
            List<LayerRow> rs = in.rows().stream().filter(r -> r.read().equals(read)).toList();
            Map<String, List<LayerRow>> byCond = new LinkedHashMap<>();
            byCond.put(RANDOM_INIT, new ArrayList<>());
            for (LayerRow r : rs) byCond.computeIfAbsent(condition(r), k -> new ArrayList<>()).add(r);
            byCond.values().removeIf(List::isEmpty);
            TreeSet<Integer> layers = new TreeSet<>();
            Map<Integer, String> names = new LinkedHashMap<>();
            for (LayerRow r : rs) {
                layers.add(r.layer());
                names.putIfAbsent(r.layer(), r.layerName());
            }
            List<Plots.Series> series = new ArrayList<>();
            for (var e : byCond.entrySet()) {
                double[][] m = means(e.getValue(), layers, true);
                series.add(Plots.Series.line(e.getKey(), m[0], m[1], m[2]));
            }
            s.append("### Read: ").append(read).append("\n\n");
            s.append(d.figure(new Plots.Figure("probe-layers-" + read, "Probe accuracy by layer, " + task + ", read " + read,
                "layer state (0 = embedding)", "accuracy (%)", series)));
            s.append("**Accuracy** (%):\n\n").append(table(byCond, layers, names, true)).append("**Probe cross-entropy** (nats):\n\n")
                .append(table(byCond, layers, names, false));
            s.append(comparison(rs, layers, names));
        }
        return new Section(s.toString(), "");
    }

    /** x = layers, y = mean over seeds, err = s.e. across seeds (probe-seed std with one seed). Accuracy in percent. */
    static double[][] means(List<LayerRow> rs, TreeSet<Integer> layers, boolean acc) {
        List<double[]> pts = new ArrayList<>();
        for (int k : layers) {
            List<LayerRow> at = rs.stream().filter(r -> r.layer() == k).toList();
            if (at.isEmpty()) continue;
            double[] v = at.stream().mapToDouble(r -> acc ? 100 * r.accMean() : r.ceMean()).toArray();
            double[] e = Power.meanSe(v, acc ? 100 * at.get(0).accStd() : at.get(0).ceStd());
            pts.add(new double[] {k, e[0], e[1], at.size()});
        }
        double[][] out = new double[4][pts.size()];
        for (int i = 0; i < pts.size(); i++) for (int j = 0; j < 4; j++) out[j][i] = pts.get(i)[j];
        return out;
    }

    private static String table(Map<String, List<LayerRow>> byCond, TreeSet<Integer> layers, Map<Integer, String> names, boolean acc) {
        StringBuilder s = new StringBuilder("| condition | seeds |");
        for (int k : layers) s.append(' ').append(k).append(" ").append(names.get(k)).append(" |");
        s.append("\n|---|---:|").append("---:|".repeat(layers.size())).append('\n');
        for (var e : byCond.entrySet()) {
            double[][] m = means(e.getValue(), layers, acc);
            int seeds = 0;
            for (double n : m[3]) seeds = Math.max(seeds, (int) n);
            s.append("| ").append(e.getKey()).append(" | ").append(seeds).append(" |");
            for (int k : layers) {
                String v = Fmt.NA;
                for (int i = 0; i < m[0].length; i++) if (m[0][i] == k) v = Fmt.pm(m[1][i], m[2][i], acc ? 1 : 3);
                s.append(' ').append(v).append(" |");
            }
            s.append('\n');
        }
        return s.append('\n').toString();
    }

    /** The saturated model: the convergence run's final AdamW checkpoint (the run from scratch whose step 0 is the random init). */
    static boolean saturatedReference(LayerRow r) {
        return Experiment.CONVERGENCE.is(r.experiment()) && r.run().equals("adamw") && r.step() > 0;
    }

    /** Per layer: Δ_s = saturated − random init of seed s, paired by seed; mean ± s.e., n, and the paired t test (p &lt; 0.05). */
    static String comparison(List<LayerRow> rs, TreeSet<Integer> layers, Map<Integer, String> names) {
        StringBuilder s = new StringBuilder("**Saturated − random initialisation** (convergence/adamw final checkpoint − its own "
            + "step 0, paired by pre-training seed; accuracy in points, probe CE in nats, lower is better):\n\n"
            + "| layer | accuracy Δ | probe CE Δ | n | paired t test, p < 0.05 |\n|---|---:|---:|---:|---|\n");
        boolean any = false;
        for (int k : layers) {
            Map<Long, LayerRow> sat = new LinkedHashMap<>(), init = new LinkedHashMap<>();
            for (LayerRow r : rs) {
                if (r.layer() != k || !Experiment.CONVERGENCE.is(r.experiment()) || !r.run().equals("adamw")) continue;
                if (r.step() == 0) init.put(r.seed(), r);
                else if (saturatedReference(r)) sat.merge(r.seed(), r, (a, b) -> a.step() >= b.step() ? a : b);
            }
            List<Double> da = new ArrayList<>(), dc = new ArrayList<>();
            double seA = Double.NaN, seC = Double.NaN;
            for (var e : sat.entrySet()) {
                LayerRow b = init.get(e.getKey());
                if (b == null) continue;
                LayerRow a = e.getValue();
                da.add(100 * (a.accMean() - b.accMean()));
                dc.add(a.ceMean() - b.ceMean());
                seA = 100 * Math.sqrt(a.accStd() * a.accStd() / Math.max(1, a.accN()) + b.accStd() * b.accStd() / Math.max(1, b.accN()));
                seC = Math.sqrt(a.ceStd() * a.ceStd() / Math.max(1, a.accN()) + b.ceStd() * b.ceStd() / Math.max(1, b.accN()));
            }
            if (da.isEmpty()) continue;
            any = true;
            double[] va = da.stream().mapToDouble(Double::doubleValue).toArray(), vc = dc.stream().mapToDouble(Double::doubleValue).toArray();
            Power.Estimate ea = Power.paired(va), ec = Power.paired(vc);
            double[] ma = Power.meanSe(va, seA), mc = Power.meanSe(vc, seC); // one seed: the probe-seed s.e., for display only
            String verdict = ea.n() < 2 ? "not tested (1 seed)"
                : (ea.p() < flatlm.stats.TTest.ALPHA ? "accuracy " + (ea.effect() > 0 ? "higher" : "lower") : "accuracy no") + ", "
                + (ec.p() < flatlm.stats.TTest.ALPHA ? "CE " + (ec.effect() < 0 ? "lower" : "higher") : "CE no");
            s.append("| ").append(k).append(' ').append(names.get(k)).append(" | ").append(Fmt.signed(ma[0], 1)).append(" ± ")
                .append(Fmt.f(ma[1], 1)).append(" | ").append(Fmt.signed(mc[0], 3)).append(" ± ").append(Fmt.f(mc[1], 3))
                .append(" | ").append(ea.n()).append(" | ").append(verdict).append(" |\n");
        }
        return any ? s.append('\n').toString() : "";
    }
}
