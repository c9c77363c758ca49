package flatlm.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import flatlm.stats.Summary;

/**
 * The mechanism's claims (issue 23), per optimizer of the noise experiment: the noisiest level
 * (smallest k) among those with the most seeds at equal loss (both final checkpoints saturated)
 * against exact targets, paired by pre-training seed (arithmetic and verdicts: {@link Power}; the
 * paper gives no number for this intervention):
 * <ul>
 *   <li>more label noise → lower Tr(H) at the same loss, a difference in differences:
 *       the measured change is 100·([Tr(end) − Tr(start)]_k − [Tr(end) − Tr(start)]_exact) / Tr(start) %, predicted
 *       negative (the noisy continuation lowers Tr(H) more) (start: the convergence AdamW run's last checkpoint, which every
 *       continuation of seed s starts from);</li>
 *   <li>more label noise → better downstream: acc_k(end) − acc_exact(end) points, predicted positive (main task, the main probe).</li>
 * </ul>
 * Only seeds where both final checkpoints are saturated count. Each claim carries the KL difference of
 * its compared checkpoints, KL_k(end) − KL_exact(end), mean ± s.e. over the same seeds.
 */
final class NoiseClaims {

    private NoiseClaims() {}

    /**
     * A noise run's level: its optimizer (the label's part before the level) and words per context k
     * (+∞ for exact targets), k from the rows' labels_per_context, the label only for rows without it.
     */
    record Level(String optimizer, double k) {
        static Level of(String run, ResultRow r) {
            Level l = parse(run);
            if (l == null || r == null || Double.isNaN(r.labelsPerContext())) return l;
            return new Level(l.optimizer(), r.labelsPerContext());
        }

        /** From a label OPT-kK or OPT-exact; null for any other label. */
        static Level parse(String run) {
            int i = run == null ? -1 : run.lastIndexOf('-');
            if (i <= 0) return null;
            String opt = run.substring(0, i), lv = run.substring(i + 1);
            if (lv.equals("exact")) return new Level(opt, Double.POSITIVE_INFINITY);
            if (lv.matches("k[1-9][0-9]*")) return new Level(opt, Double.parseDouble(lv.substring(1)));
            return null;
        }

        boolean exact() {
            return Double.isInfinite(k);
        }

        /** "k=16" or "exact". */
        String text() {
            return exact() ? "exact" : "k=" + (long) k;
        }

        String run() {
            return optimizer + "-" + (exact() ? "exact" : "k" + (long) k);
        }
    }

    /** Optimizer → level (noisiest first, exact last) → seed → its as-trained rows by step. */
    static Map<String, Map<Level, Map<Long, List<ResultRow>>>> byLevel(List<ResultRow> rows) {
        Map<String, Map<Level, Map<Long, List<ResultRow>>>> out = new TreeMap<>();
        for (var run : ReportData.bySeed(ReportData.asTrained(rows, Experiment.NOISE.id())).entrySet()) {
            Level l = Level.of(run.getKey(), run.getValue().values().stream().flatMap(List::stream).findFirst().orElse(null));
            if (l == null) continue;
            out.computeIfAbsent(l.optimizer(), k -> new TreeMap<>(Comparator.comparingDouble(Level::k))).put(l, run.getValue());
        }
        return out;
    }

    /** Seed → the start of its continuations: the convergence AdamW run's last checkpoint (as trained). */
    static Map<Long, ResultRow> starts(List<ResultRow> rows) {
        Map<Long, ResultRow> out = new TreeMap<>();
        Map<Long, List<ResultRow>> adamw = ReportData.bySeed(ReportData.asTrained(rows, Experiment.CONVERGENCE.id())).get("adamw");
        if (adamw != null) for (var e : adamw.entrySet()) out.put(e.getKey(), e.getValue().get(e.getValue().size() - 1));
        return out;
    }

    /** The final checkpoint's row (the last step; of the probed rows there, when any). */
    static ResultRow last(List<ResultRow> g) {
        long step = g.stream().mapToLong(ResultRow::step).max().orElse(-1);
        return g.stream().filter(r -> r.step() == step).max(Comparator.comparingInt(ResultRow::probeTrain)).orElse(null);
    }

    /** The two claims per optimizer, in optimizer order; each carries ΔKL = KL_k(end) − KL_exact(end) of its pairs. */
    static List<Claims.Claim> claims(List<ResultRow> rows, String task, double satKl) {
        List<Claims.Claim> out = new ArrayList<>();
        Map<Long, ResultRow> starts = starts(rows);
        for (var opt : byLevel(rows).entrySet()) {
            Map<Level, Map<Long, List<ResultRow>>> levels = opt.getValue();
            Level exact = levels.keySet().stream().filter(Level::exact).findFirst().orElse(null);
            // the noisiest level among those with the most seeds whose two final checkpoints are saturated
            List<Level> noisyLevels = levels.keySet().stream().filter(l -> !l.exact()).toList();
            Map<Level, List<ResultRow[]>> byK = new LinkedHashMap<>();
            if (exact != null) for (Level l : noisyLevels) byK.put(l, pairs(levels.get(exact), levels.get(l), satKl));
            int most = byK.values().stream().mapToInt(List::size).max().orElse(0);
            Level noisy = most == 0 ? null : byK.entrySet().stream().filter(e -> e.getValue().size() == most).findFirst().orElseThrow().getKey();
            List<String> skipped = noisyLevels.stream().takeWhile(l -> l != noisy)
                .map(l -> l.text() + " (" + byK.getOrDefault(l, List.of()).size() + " of " + levels.get(l).size() + ")").toList();
            String o = opt.getKey();
            String k = noisy != null ? noisy.text() : noisyLevels.isEmpty() ? "k" : noisyLevels.get(0).text();
            String trTitle = "label noise (" + o + "): Tr(H) change with " + k + " − with exact targets (difference in differences)";
            String accTitle = "label noise (" + o + "): " + k + " − exact targets accuracy";
            String trPaper = "− (Thm 4.3: label noise drives SGD toward flat minimisers; no number)";
            String accPaper = "+ (the paper's mechanism; no number)";
            if (noisyLevels.isEmpty() || exact == null) {
                String why = "a level is missing";
                String note = "needs exact targets and at least one k among the " + o + " runs";
                out.add(untested(trTitle, "", Claims.Metric.TRACE, -1, trPaper, why, note));
                out.add(untested(accTitle, task, Claims.Metric.ACCURACY, 1, accPaper, why, note));
                continue;
            }
            if (noisy == null) {
                String note = "no seed with the final checkpoints of exact targets and of any k both saturated";
                out.add(untested(trTitle, "", Claims.Metric.TRACE, -1, trPaper, Claims.NOT_AT_EQUAL_LOSS, note));
                out.add(untested(accTitle, task, Claims.Metric.ACCURACY, 1, accPaper, Claims.NOT_AT_EQUAL_LOSS, note));
                continue;
            }
            List<ResultRow[]> pairs = pairs(levels.get(exact), levels.get(noisy), satKl);
            String noisier = skipped.isEmpty() ? "" : "; noisier levels with fewer saturated pairs: " + String.join(", ", skipped);
            String steps = "final checkpoints (step " + pairs.get(0)[0].step() + "), paired by seed";
            out.add(trace(trTitle, trPaper, pairs, starts, noisy, steps + noisier));
            Claims.Pairs acc = new Claims.Pairs(pairs, null, null, steps + ", the main probe's read" + noisier);
            out.add(Claims.evaluate(Experiment.NOISE.id(), accTitle, task, Claims.Metric.ACCURACY, false, 1, Double.NaN, accPaper, acc));
        }
        return out;
    }

    /** Per seed {exact, noisy} final checkpoints, both saturated. */
    static List<ResultRow[]> pairs(Map<Long, List<ResultRow>> exact, Map<Long, List<ResultRow>> noisy, double satKl) {
        List<ResultRow[]> out = new ArrayList<>();
        for (var e : exact.entrySet()) {
            List<ResultRow> g = noisy.get(e.getKey());
            ResultRow x = last(e.getValue()), n = g == null ? null : last(g);
            if (x != null && n != null && Claims.saturated(x, satKl) && Claims.saturated(n, satKl)) out.add(new ResultRow[] {x, n});
        }
        return out;
    }

    private static Claims.Claim untested(String title, String task, Claims.Metric m, int predicted, String paper, String why, String note) {
        return new Claims.Claim(Experiment.NOISE.id(), title, task, m, predicted, Double.NaN, paper, Power.Estimate.NONE, Power.Verdict.untested(why),
            Summary.EMPTY, note);
    }

    /** KL_k(end) − KL_exact(end) of each pair ({exact, noisy}). */
    static Summary klDifference(List<ResultRow[]> pairs) {
        double[] d = new double[pairs.size()];
        for (int i = 0; i < d.length; i++) d[i] = pairs.get(i)[1].kl() - pairs.get(i)[0].kl();
        return Summary.ofFinite(d);
    }

    /** The difference in differences of Tr(H) (class comment), in % of each seed's Tr(start). */
    private static Claims.Claim trace(String title, String paper, List<ResultRow[]> pairs, Map<Long, ResultRow> starts, Level noisy,
                                      String note) {
        double[] d = new double[pairs.size()];
        ResultRow start0 = null;
        for (int i = 0; i < d.length; i++) {
            ResultRow x = pairs.get(i)[0], n = pairs.get(i)[1], s = starts.get(x.seed());
            double t0 = s == null ? Double.NaN : s.trH();
            d[i] = 100 * ((x.trH() - t0) - (n.trH() - t0)) / t0;
            if (Double.isFinite(d[i])) start0 = s;
        }
        Power.Estimate e = Power.paired(d); // Δ_s in the predicted direction (a fall): the measured change is −Δ_s
        String why = "Δ_s = [Tr(end) − Tr(start)]_exact − [Tr(end) − Tr(start)]_" + noisy.text() + ", % of Tr(start)"
            + (start0 == null ? "" : " (convergence/adamw step " + start0.step() + ")") + "; " + note;
        Power.Verdict v = e.n() == 0 ? Power.Verdict.untested("no Tr(H) of the start (the convergence adamw run's last checkpoint)")
            : Power.verdict(e, Double.NaN, Claims.Metric.TRACE.digits, Claims.Metric.TRACE.unit);
        return new Claims.Claim(Experiment.NOISE.id(), title, "", Claims.Metric.TRACE, -1, Double.NaN, paper, e, v, klDifference(pairs), why);
    }
}
