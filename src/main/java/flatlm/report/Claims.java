package flatlm.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The paper's claims tested on the rows of one probe training size, paired by pre-training seed
 * (arithmetic and verdict rule in {@link Power}), with the paper's numbers:
 * <ul>
 *   <li>a. past convergence, per convergence run: Δ_s = acc(last saturated checkpoint) − acc(first);
 *       paper +1.6 points (PCFG; +4.0 HMM, the smaller is the bar). Tr(H) falls:
 *       Δ_s = 100·(Tr(first) − Tr(last))/Tr(first) %, no paper number.</li>
 *   <li>b. model size: Δ_s = acc(largest saturated width) − acc(smallest); paper +10.1 points.
 *       Embedded Tr(H) falls: 100·(Tr(smallest) − Tr(largest))/Tr(smallest) %; paper 19.8 → 12.6, 36.4 %.</li>
 *   <li>c. algorithms: Δ_s = acc(standard) − acc(adversarial), paper +6.8 points; adversarial Tr(H)
 *       larger: 100·(Tr(adv) − Tr(std))/Tr(std) %, paper 19.34 vs 8.01, +141 %; standard − lookup
 *       table, paper +18.7 points (the table has no seed: {@link Power#againstFixed}). The same three
 *       claims for exact-target vs adversarial-exact-target when those runs exist (the comparison
 *       without label noise, for languages where sampled-token training does not stay saturated).</li>
 * </ul>
 * Only seeds where both compared models are saturated (KL below the threshold) count; with none
 * the claim could not be tested (not at equal loss).
 */
final class Claims {
    private Claims() {}

    static final double PAPER_CONVERGENCE = 1.6, PAPER_SIZE = 10.1, PAPER_SIZE_TRACE = 100 * (19.8 - 12.6) / 19.8,
        PAPER_ADVERSARIAL = 6.8, PAPER_ADVERSARIAL_TRACE = 100 * (19.34 - 8.01) / 8.01, PAPER_LOOKUP = 18.7;
    static final String NOT_AT_EQUAL_LOSS = "not at equal loss";

    /** What a claim compares, its unit and the decimals it is printed with. */
    enum Metric {
        ACCURACY("points", 1), PROBE_CE("nats", 3), TRACE("%", 1);

        final String unit;
        final int digits;

        Metric(String unit, int digits) {
            this.unit = unit;
            this.digits = digits;
        }
    }

    /** A tested claim: {@code paper} NaN when the paper gives no number; {@code note} says what was compared. */
    record Claim(String experiment, String claim, String task, Metric metric, double paper, String paperText,
                 Power.Estimate estimate, Power.Verdict verdict, String note) {
        /** "+2.3 ± 0.9 points (n = 3 seeds)", or "–" when untested. */
        String ours() {
            Power.Estimate e = estimate;
            if (verdict.outcome() == Power.Outcome.UNTESTED || !Double.isFinite(e.effect())) return Fmt.NA;
            String se = Double.isFinite(e.se()) ? " ± " + Fmt.f(e.se(), metric.digits) : "";
            return Fmt.signed(e.effect(), metric.digits) + se + " " + metric.unit
                + (e.n() > 1 ? " (n = " + e.n() + " seeds)"
                : metric == Metric.TRACE ? " (1 seed; s.e. of the Tr(H) estimates)" : " (1 seed; s.e. from the probe seeds)");
        }

        String detectable() {
            double m = estimate.mdd();
            return Double.isFinite(m) ? Fmt.f(m, metric.digits) + " " + metric.unit : Fmt.NA;
        }
    }

    /**
     * The comparable pairs of one comparison, one per seed: [0] the model the paper predicts worse,
     * [1] the better one; {@code fixedWorse} the seedless worse side (lookup table) or null;
     * {@code why} non-null when nothing is comparable.
     */
    record Pairs(List<ResultRow[]> pairs, ResultRow fixedWorse, String why, String note) {
        static Pairs none(String why, String note) {
            return new Pairs(List.of(), null, why, note);
        }
    }

    /** The headline's claims (and verdicts.csv): a–c on the main task, accuracy and Tr(H). */
    static List<Claim> headline(List<ResultRow> rows, String task, double satKl) {
        return build(rows, task, satKl, Metric.ACCURACY, true);
    }

    /** Claims a–c with a downstream metric only (accuracy or probe cross-entropy): the learning curves' comparisons. */
    static List<Claim> downstream(List<ResultRow> rows, String task, double satKl, Metric m) {
        return build(rows, task, satKl, m, false);
    }

    private static List<Claim> build(List<ResultRow> rows, String task, double satKl, Metric m, boolean trace) {
        List<Claim> out = new ArrayList<>();
        String what = m == Metric.ACCURACY ? "accuracy rises" : "probe CE falls";
        List<ResultRow> conv = ReportData.asTrained(rows, "convergence");
        Map<String, Map<Long, List<ResultRow>>> runs = ReportData.bySeed(conv);
        if (runs.isEmpty()) runs = Map.of("", Map.of());
        for (var run : runs.entrySet()) {
            String label = run.getKey().isEmpty() ? "" : " (" + run.getKey() + ")";
            Pairs p = convergencePairs(run.getValue(), satKl);
            out.add(evaluate("convergence", "past convergence: " + what + label, task, m, false,
                m == Metric.ACCURACY ? PAPER_CONVERGENCE : Double.NaN,
                m == Metric.ACCURACY ? "+1.6 points (Fig. 1, PCFG; +4.0 HMM; the smaller is the bar)" : "no number", p));
            if (trace) out.add(evaluate("convergence", "past convergence: Tr(H) falls" + label, "", Metric.TRACE, false,
                Double.NaN, "falls (Fig. 3, a trend; no number)", p));
        }
        Pairs size = sizePairs(rows, satKl);
        out.add(evaluate("size", "model size: " + what + " with width", task, m, false,
            m == Metric.ACCURACY ? PAPER_SIZE : Double.NaN,
            m == Metric.ACCURACY ? "+10.1 points (Section 4, PCFG: 40.4 → 50.5)" : "no number", size));
        if (trace) {
            Pairs emb = embedded(size, rows);
            String which = emb == size ? "Tr(H) as trained" : "embedded Tr(H)";
            out.add(evaluate("size", "model size: " + which + " falls with width", "", Metric.TRACE, false, PAPER_SIZE_TRACE,
                "falls 36.4 % (Section 4, Fig. 5: embedded 19.8 → 12.6)", emb));
        }
        Map<String, Map<Long, ResultRow>> alg = finals(ReportData.asTrained(rows, "algorithms"));
        boolean acc = m == Metric.ACCURACY;
        for (String[] pair : naturalAdversarial(alg)) {
            String nat = pair[0], bad = pair[1];
            Pairs adv = algorithmPairs(alg, nat, bad, satKl);
            out.add(evaluate("algorithms", "algorithms: " + (acc ? nat + " − " + bad + " accuracy" : bad + " − " + nat + " probe CE"),
                task, m, false, acc ? PAPER_ADVERSARIAL : Double.NaN,
                acc ? "+6.8 points (Table 1, task A: 89.9 vs 83.1)" : "no number", adv));
            if (trace) out.add(evaluate("algorithms", "algorithms: " + bad + " Tr(H) larger than " + nat, "", Metric.TRACE, true,
                PAPER_ADVERSARIAL_TRACE, "+141 % (Table 1: 19.34 vs 8.01, 2.4×)", adv));
            out.add(evaluate("algorithms", "algorithms: " + (acc ? nat + " − lookup table accuracy" : "lookup table − " + nat + " probe CE"),
                task, m, false, acc ? PAPER_LOOKUP : Double.NaN,
                acc ? "+18.7 points (Table 1, task A: 89.9 vs 71.2)" : "no number", algorithmPairs(alg, nat, "lookup", satKl)));
        }
        return out;
    }

    static boolean saturated(ResultRow r, double satKl) {
        return Saturation.saturated(r.kl(), satKl);
    }

    /** a. Per seed the first and the last saturated checkpoint (at least two). */
    static Pairs convergencePairs(Map<Long, List<ResultRow>> seeds, double satKl) {
        if (seeds.isEmpty()) return Pairs.none("not run", "no convergence rows");
        List<ResultRow[]> ps = new ArrayList<>();
        for (List<ResultRow> g : seeds.values()) {
            List<ResultRow> sat = g.stream().filter(r -> saturated(r, satKl)).toList();
            if (sat.size() >= 2) ps.add(new ResultRow[] {sat.get(0), sat.get(sat.size() - 1)});
        }
        if (ps.isEmpty()) return Pairs.none(NOT_AT_EQUAL_LOSS, "no seed has two saturated checkpoints");
        return new Pairs(ps, null, null, describe("steps", ps, r -> Long.toString(r.step())));
    }

    /** b. Per seed the final checkpoints of the size runs: the smallest and the largest saturated width. */
    static Pairs sizePairs(List<ResultRow> rows, double satKl) {
        Map<String, Map<Long, ResultRow>> fin = finals(ReportData.asTrained(rows, "size"));
        if (fin.isEmpty()) return Pairs.none("not run", "no size rows");
        Map<Long, List<ResultRow>> bySeed = new java.util.TreeMap<>();
        for (Map<Long, ResultRow> run : fin.values()) {
            for (var e : run.entrySet()) if (saturated(e.getValue(), satKl)) bySeed.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        List<ResultRow[]> ps = new ArrayList<>();
        for (List<ResultRow> g : bySeed.values()) {
            ResultRow lo = g.stream().min(java.util.Comparator.comparingDouble(ResultRow::x)).orElseThrow();
            ResultRow hi = g.stream().max(java.util.Comparator.comparingDouble(ResultRow::x)).orElseThrow();
            if (hi.x() > lo.x()) ps.add(new ResultRow[] {lo, hi});
        }
        if (ps.isEmpty()) return Pairs.none(fin.size() < 2 ? "only one model size" : NOT_AT_EQUAL_LOSS,
            "no seed has two saturated widths");
        return new Pairs(ps, null, null, describe("d", ps, r -> Fmt.x(r.x())));
    }

    /** The size pairs with their embedded rows (same run, seed and step) when every pair has both; else the pairs as they are. */
    static Pairs embedded(Pairs p, List<ResultRow> rows) {
        if (p.why() != null) return p;
        List<ResultRow[]> out = new ArrayList<>();
        for (ResultRow[] pair : p.pairs()) {
            ResultRow a = embeddedOf(pair[0], rows), b = embeddedOf(pair[1], rows);
            if (a == null || b == null || !Double.isFinite(a.trH()) || !Double.isFinite(b.trH())) return p;
            out.add(new ResultRow[] {a, b});
        }
        return new Pairs(out, null, null, p.note() + ", embedded into the largest architecture");
    }

    private static ResultRow embeddedOf(ResultRow r, List<ResultRow> rows) {
        for (ResultRow e : rows) {
            if ("embedded".equals(e.variant()) && r.experiment().equals(e.experiment()) && String.valueOf(r.run()).equals(e.run())
                && e.seed() == r.seed() && e.step() == r.step()) return e;
        }
        return null;
    }

    /**
     * The natural/adversarial pairs present: standard (sampled tokens) against adversarial, and
     * exact-target against adversarial-exact-target (the same comparison without label noise:
     * the MLM objective alone vs the MLM objective minus the meta-loss). Standard/adversarial
     * when neither pair is complete, so a missing run is reported.
     */
    static List<String[]> naturalAdversarial(Map<String, Map<Long, ResultRow>> alg) {
        List<String[]> out = new ArrayList<>();
        for (String[] p : List.of(new String[] {"standard", "adversarial"}, new String[] {"exact-target", "adversarial-exact-target"}))
            if (alg.containsKey(p[0]) && alg.containsKey(p[1])) out.add(p);
        if (out.isEmpty()) out.add(new String[] {"standard", "adversarial"});
        return out;
    }

    /** c. Per seed the final {@code natural} checkpoint against {@code other}'s (or the lookup table), both saturated. */
    static Pairs algorithmPairs(Map<String, Map<Long, ResultRow>> alg, String natural, String other, double satKl) {
        if (alg.isEmpty()) return Pairs.none("not run", "no algorithms rows");
        Map<Long, ResultRow> std = alg.get(natural), o = alg.get(other);
        if (std == null || o == null) return Pairs.none("a run is missing", "no " + (std == null ? natural : other) + " rows");
        List<ResultRow[]> ps = new ArrayList<>();
        if ("lookup".equals(other)) {
            ResultRow lookup = o.values().iterator().next();
            for (ResultRow s : std.values()) if (saturated(s, satKl)) ps.add(new ResultRow[] {lookup, s});
            return ps.isEmpty() ? Pairs.none(NOT_AT_EQUAL_LOSS, "no saturated " + natural + " run")
                : new Pairs(ps, lookup, null, "final " + natural + " checkpoint of each seed against the one lookup table");
        }
        for (var e : std.entrySet()) {
            ResultRow a = o.get(e.getKey());
            if (a != null && saturated(e.getValue(), satKl) && saturated(a, satKl)) ps.add(new ResultRow[] {a, e.getValue()});
        }
        if (ps.isEmpty()) return Pairs.none(NOT_AT_EQUAL_LOSS, "no seed with both runs saturated");
        return new Pairs(ps, null, null, "final checkpoints, paired by seed");
    }

    /** Run → seed → its final checkpoint (the rows as grouped by {@link ReportData#bySeed}). */
    static Map<String, Map<Long, ResultRow>> finals(List<ResultRow> rs) {
        Map<String, Map<Long, ResultRow>> out = new java.util.LinkedHashMap<>();
        for (var run : ReportData.bySeed(rs).entrySet()) {
            Map<Long, ResultRow> m = new java.util.TreeMap<>();
            for (var s : run.getValue().entrySet()) m.put(s.getKey(), s.getValue().get(s.getValue().size() - 1));
            out.put(run.getKey(), m);
        }
        return out;
    }

    private static String describe(String what, List<ResultRow[]> ps, Function<ResultRow, String> f) {
        Set<String> s = new LinkedHashSet<>();
        for (ResultRow[] p : ps) s.add(f.apply(p[0]) + " → " + f.apply(p[1]));
        List<String> l = new ArrayList<>(s);
        return what + " " + (l.size() <= 3 ? String.join("; ", l) : String.join("; ", l.subList(0, 3)) + "; …");
    }

    /** Δ_s of every pair and the claim's estimate and verdict. */
    static Claim evaluate(String experiment, String title, String task, Metric m, boolean relToBetter, double paper,
                          String paperText, Pairs p) {
        if (p.why() != null) {
            return new Claim(experiment, title, task, m, paper, paperText, Power.Estimate.NONE, Power.Verdict.untested(p.why()), p.note());
        }
        double[] deltas = new double[p.pairs().size()];
        double oneSe = Double.NaN;
        for (int i = 0; i < deltas.length; i++) {
            ResultRow[] pair = p.pairs().get(i);
            deltas[i] = delta(m, pair, task, relToBetter);
            if (Double.isFinite(deltas[i])) oneSe = oneSeedSe(m, pair, task, relToBetter);
        }
        Power.Estimate e = p.fixedWorse() == null ? Power.paired(deltas, oneSe)
            : Power.againstFixed(deltas, se(m, p.fixedWorse(), task), oneSe);
        if (e.n() == 0) {
            return new Claim(experiment, title, task, m, paper, paperText, e, Power.Verdict.untested("not measured"), p.note());
        }
        return new Claim(experiment, title, task, m, paper, paperText, e, Power.verdict(e, paper, m.digits, m.unit), p.note());
    }

    /** The metric of a row: accuracy in points, probe CE in nats, Tr(H). */
    static double value(Metric m, ResultRow r, String task) {
        ResultRow.Accuracy a = r.accuracy().get(task);
        return switch (m) {
            case ACCURACY -> a == null ? Double.NaN : 100 * a.mean();
            case PROBE_CE -> a == null ? Double.NaN : a.ce();
            case TRACE -> r.trH();
        };
    }

    /** Its standard error on one model: over probe seeds (std/√n), or the Tr(H) estimator's. */
    static double se(Metric m, ResultRow r, String task) {
        ResultRow.Accuracy a = r.accuracy().get(task);
        return switch (m) {
            case ACCURACY -> a == null ? Double.NaN : 100 * Power.probeSe(a.std(), a.n());
            case PROBE_CE -> a == null ? Double.NaN : Power.probeSe(a.ceStd(), a.n());
            case TRACE -> r.trHStderr();
        };
    }

    /** Δ in the paper's direction: better − worse for accuracy, worse − better for CE, (worse − better)/ref·100 % for Tr(H). */
    static double delta(Metric m, ResultRow[] p, String task, boolean relToBetter) {
        double w = value(m, p[0], task), b = value(m, p[1], task);
        return switch (m) {
            case ACCURACY -> b - w;
            case PROBE_CE -> w - b;
            case TRACE -> 100 * (w - b) / (relToBetter ? b : w);
        };
    }

    /** One seed: √(se_w² + se_b²), for Tr(H) divided by |ref| (in %). */
    static double oneSeedSe(Metric m, ResultRow[] p, String task, boolean relToBetter) {
        double se = Power.combined(se(m, p[0], task), se(m, p[1], task));
        return m == Metric.TRACE ? 100 * se / Math.abs(value(m, relToBetter ? p[1] : p[0], task)) : se;
    }

    /** verdicts.csv: one line per claim. */
    static String csv(List<Claim> cs) {
        StringBuilder s = new StringBuilder(ResultsCsv.line(List.of("experiment", "claim", "task", "effect", "stderr", "mdd", "n",
            "verdict", "paper_effect", "unit")));
        for (Claim c : cs) {
            Power.Estimate e = c.estimate();
            s.append(ResultsCsv.line(List.of(c.experiment(), c.claim(), c.task(), ResultsCsv.num(e.effect()), ResultsCsv.num(e.se()),
                ResultsCsv.num(e.mdd()), Integer.toString(e.n()), c.verdict().text(), ResultsCsv.num(c.paper()), c.metric().unit)));
        }
        return s.toString();
    }

    /** The headline table: claim | paper | ours ± s.e. | detectable difference | verdict. */
    static String table(List<Claim> cs) {
        StringBuilder s = new StringBuilder("| claim | paper | ours ± s.e. | detectable difference | verdict |\n|---|---|---|---|---|\n");
        for (Claim c : cs) {
            s.append("| ").append(c.claim()).append(" | ").append(c.paperText()).append(" | ").append(c.ours()).append(" | ")
                .append(c.detectable()).append(" | ").append(c.verdict().text()).append(" |\n");
        }
        return s.append('\n').toString();
    }

    /** The claims of one experiment as a Markdown list, with what was compared. */
    static String list(List<Claim> cs, String experiment) {
        StringBuilder s = new StringBuilder();
        for (Claim c : cs) {
            if (!c.experiment().equals(experiment)) continue;
            s.append("- ").append(c.claim()).append(": **").append(c.verdict().text()).append("**; ours ").append(c.ours())
                .append(", detectable ").append(c.detectable()).append(", paper ").append(c.paperText())
                .append(c.note().isEmpty() ? "" : "; " + c.note()).append(".\n");
        }
        return s.append('\n').toString();
    }
}
