package flatlm.report;

import flatlm.report.ReportData.Diff;
import flatlm.report.ReportData.Section;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static flatlm.report.ReportData.accDiff;
import static flatlm.report.ReportData.col;
import static flatlm.report.ReportData.corr;
import static flatlm.report.ReportData.pct;
import static flatlm.report.ReportData.pctStd;
import static flatlm.report.ReportData.trDiff;

/** Regimes and experiments 1–3 (past convergence, model size, algorithms). */
final class ExperimentSections {
    private final ReportData d;

    ExperimentSections(ReportData d) {
        this.d = d;
    }

    static String notRun(String experiment) {
        return "Not run in this reproduction (no `" + experiment + "` rows in results.csv).\n\n";
    }

    Section regimes() {
        StringBuilder s = new StringBuilder("## Regimes\n\n");
        s.append("A checkpoint counts as **saturated** when its exact KL(p* ‖ model) = CE − H is below ")
            .append(Fmt.g(d.ctx.saturationKl())).append(" nats per token. Final KL ± standard error per run and pre-training seed:\n\n");
        if (d.rows.isEmpty()) return new Section(s.append("No rows.\n\n").toString(), "no rows");
        s.append("| experiment | run | seed | evaluated | final x | final KL ± s.e. | saturated at the end | saturated checkpoints (x) |\n")
            .append("|---|---|---:|---:|---:|---:|---|---|\n");
        Map<String, List<ResultRow>> groups = new java.util.LinkedHashMap<>();
        for (ResultRow r : d.rows) groups.computeIfAbsent(r.experiment() + "\u0000" + r.run() + "\u0000" + r.seed(), k -> new ArrayList<>()).add(r);
        for (List<ResultRow> g0 : groups.values()) {
            List<ResultRow> g = g0.stream().filter(r -> r.variant().isEmpty()).toList();
            if (g.isEmpty()) g = g0;
            g = g.stream().sorted(Comparator.comparingLong(ResultRow::step).thenComparingDouble(ResultRow::x)).toList();
            ResultRow last = g.get(g.size() - 1);
            List<String> sat = new ArrayList<>();
            for (ResultRow r : g) if (d.saturated(r)) sat.add(Fmt.x(r.x()));
            String satText = sat.size() <= 8 ? String.join(", ", sat)
                : sat.size() + " of " + g.size() + " (" + sat.get(0) + " … " + sat.get(sat.size() - 1) + ")";
            boolean noModel = !Double.isFinite(last.kl());
            s.append("| ").append(last.experiment()).append(" | ").append(last.run()).append(" | ").append(seed(last))
                .append(" | ").append(g.size())
                .append(" | ").append(last.step() < 0 ? Fmt.NA : Fmt.x(last.x())).append(" | ").append(Fmt.gpm(last.kl(), last.klStderr()))
                .append(" | ").append(noModel ? "n/a" : d.saturated(last) ? "yes" : "no")
                .append(" | ").append(sat.isEmpty() ? "none" : satText).append(" |\n");
        }
        s.append("\n");
        return new Section(s.toString(), "");
    }

    static String seed(ResultRow r) {
        return r.seed() < 0 ? Fmt.NA : Long.toString(r.seed());
    }

    /** The experiment's claims as the section's verdict, and their verdicts joined for a one-line summary. */
    private Section verdict(StringBuilder s, String experiment, String extra) {
        List<Claims.Claim> cs = d.claims().stream().filter(c -> c.experiment().equals(experiment)).toList();
        s.append("**Verdict** (task ").append(d.main()).append(d.probeTrain > 0 ? ", probe training size " + d.probeTrain : "")
            .append("; paired differences over pre-training seeds: measured change ± s.e. with the sign the paper predicts, "
                + "paired t test, MDE at 80 % power, ΔKL of the compared checkpoints):\n\n")
            .append(ClaimTables.list(cs, experiment));
        if (!extra.isEmpty()) s.append(extra).append("\n\n");
        return new Section(s.toString(), String.join("; ", cs.stream().map(c -> c.claim() + ": " + c.verdict().text()).toList()));
    }

    Section convergence() throws IOException {
        String task = d.main();
        StringBuilder s = new StringBuilder("## 1 Training past convergence\n\n");
        s.append("**Paper** (Fig. 1, 3): after the pre-training loss saturates, downstream accuracy keeps rising "
            + "(+1.6 points PCFG, +4.0 HMM) while Tr(H) falls.\n\n");
        List<ResultRow> rs = ReportData.asTrained(d.rows, Experiment.CONVERGENCE.id());
        if (rs.isEmpty() || task == null) return new Section(s.append(notRun(Experiment.CONVERGENCE.id())).toString(), "not run");
        Map<String, Map<Long, List<ResultRow>>> runs = ReportData.bySeed(rs);
        s.append("**Ours**: first vs last saturated checkpoint of each run and pre-training seed (accuracy in points, "
            + "mean ± std over probe seeds; differences ± the probe-seed standard error), and Spearman's ρ with the step "
            + "over the saturated checkpoints (95% bootstrap interval).\n\n");
        s.append(taskTable("| run | seed | saturated / all | steps |", "|---|---:|---:|---|", "Δacc", d.tasks,
            " ΔTr(H) | ΔKL | ρ(acc, step) | ρ(Tr(H), step) |", "---:|---:|---|---|"));
        for (var run : runs.entrySet()) {
            for (var e : run.getValue().entrySet()) {
                List<ResultRow> g = e.getValue(), sat = g.stream().filter(d::saturated).toList();
                s.append("| ").append(run.getKey()).append(" | ").append(seed(g.get(0))).append(" | ").append(sat.size())
                    .append(" / ").append(g.size());
                if (sat.size() < 2) {
                    ResultRow last = g.get(g.size() - 1);
                    s.append(" | ").append(sat.isEmpty() ? "never saturated (final KL " + Fmt.g(last.kl()) + ")"
                        : "one saturated checkpoint").append(" |").append(" – |".repeat(d.tasks.size() + 4)).append('\n');
                    continue;
                }
                ResultRow a = sat.get(0), b = sat.get(sat.size() - 1);
                s.append(" | ").append(a.step()).append(" → ").append(b.step()).append(" |");
                for (String t : d.tasks) s.append(' ').append(accDiff(a, b, t).text(1)).append(" |");
                Diff tr = trDiff(a, b), kl = ReportData.klDiff(a, b);
                Statistics.Interval rAcc = ReportData.spearman(col(sat, ResultRow::x), pct(sat, task));
                Statistics.Interval rTr = ReportData.spearman(col(sat, ResultRow::x), col(sat, ResultRow::trH));
                s.append(' ').append(tr.text(2)).append(" | ").append(Fmt.gpm(kl.d(), kl.se())).append(" | ")
                    .append(Fmt.ci(rAcc, 2)).append(" (n ").append(rAcc.n()).append(") | ")
                    .append(Fmt.ci(rTr, 2)).append(" (n ").append(rTr.n()).append(") |\n");
            }
        }
        s.append('\n');
        Section v = verdict(s, Experiment.CONVERGENCE.id(), "");
        s.append(d.figure(convergenceKlAcc(runs, task).withRightAxis("accuracy " + task + " (%)")));
        s.append(d.figure(convergenceAccTr(runs, task).withRightAxis("Tr(H)")));
        if (d.tasks.size() > 1) s.append(d.figure(convergenceAllTasks(runs)));
        s.append(d.commands(Experiment.CONVERGENCE.id(), rs));
        return new Section(s.toString(), v.headline());
    }

    /** A run's rows of every seed, flattened (the plots average them per x). */
    private static List<ResultRow> flat(Map<Long, List<ResultRow>> seeds) {
        List<ResultRow> out = new ArrayList<>();
        seeds.values().forEach(out::addAll);
        return out;
    }

    /** Accuracy (%) per x, mean over seeds ± s.e. across seeds (probe-seed std with one seed). */
    private static Plots.Series accSeries(String name, List<ResultRow> rs, String task) {
        ReportData.Means m = ReportData.overSeeds(rs, ResultRow::x, r -> 100 * r.acc(task), r -> pctStd(List.of(r), task)[0]);
        return Plots.Series.line(name, m.x(), m.y(), m.err());
    }

    private static Plots.Series meanSeries(String name, List<ResultRow> rs, java.util.function.ToDoubleFunction<ResultRow> f,
                                           java.util.function.ToDoubleFunction<ResultRow> err) {
        ReportData.Means m = ReportData.overSeeds(rs, ResultRow::x, f, err);
        return Plots.Series.line(name, m.x(), m.y(), m.err());
    }

    private Plots.Figure convergenceKlAcc(Map<String, Map<Long, List<ResultRow>>> runs, String task) {
        List<Plots.Series> ss = new ArrayList<>();
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        for (var e : runs.entrySet()) {
            List<ResultRow> rs = flat(e.getValue());
            for (ResultRow r : rs) { x0 = Math.min(x0, r.x()); x1 = Math.max(x1, r.x()); }
            ss.add(meanSeries(e.getKey() + ": log10 KL", rs, r -> r.kl() > 0 ? Math.log10(r.kl()) : Double.NaN, r -> Double.NaN));
            ss.add(accSeries(e.getKey() + ": accuracy " + task, rs, task).onRightAxis());
        }
        if (x0 < x1) ss.add(Plots.Series.fit("saturation threshold", 0, Math.log10(d.ctx.saturationKl()), x0, x1));
        return new Plots.Figure("convergence-kl-accuracy", "Exact KL (log10) and probe accuracy vs step" + seedsNote(runs), "step",
            "log10 KL (nats/token)", ss);
    }

    private Plots.Figure convergenceAccTr(Map<String, Map<Long, List<ResultRow>>> runs, String task) {
        List<Plots.Series> ss = new ArrayList<>();
        for (var e : runs.entrySet()) {
            List<ResultRow> rs = flat(e.getValue());
            ss.add(accSeries(e.getKey() + ": accuracy " + task, rs, task));
            ss.add(meanSeries(e.getKey() + ": Tr(H)", rs, ResultRow::trH, ResultRow::trHStderr).onRightAxis());
        }
        return new Plots.Figure("convergence-accuracy-trace", "Probe accuracy and Tr(H) vs step" + seedsNote(runs), "step",
            "accuracy " + task + " (%)", ss);
    }

    private Plots.Figure convergenceAllTasks(Map<String, Map<Long, List<ResultRow>>> runs) {
        List<Plots.Series> ss = new ArrayList<>();
        for (var e : runs.entrySet()) {
            for (String t : d.tasks) ss.add(accSeries(e.getKey() + ": " + t, flat(e.getValue()), t));
        }
        return new Plots.Figure("convergence-accuracy-tasks", "Probe accuracy of every task vs step" + seedsNote(runs), "step",
            "accuracy (%)", ss);
    }

    /** " (mean over N seeds)" when a run has more than one seed. */
    private static String seedsNote(Map<String, Map<Long, List<ResultRow>>> runs) {
        int n = runs.values().stream().mapToInt(Map::size).max().orElse(0);
        return n > 1 ? " (mean over " + n + " seeds ± s.e.)" : "";
    }

    Section size() throws IOException {
        String task = d.main();
        StringBuilder s = new StringBuilder("## 2 Model size\n\n");
        s.append("**Paper** (Fig. 2, 5; PCFG): at the same saturated loss larger models probe better and, embedded into "
            + "the largest architecture, are flatter: Tr(H) 19.8 → 12.6 while probe accuracy 40.4 → 50.5.\n\n");
        List<ResultRow> rs = d.of(Experiment.SIZE.id());
        List<ResultRow> trained = new ArrayList<>();
        for (Map<Long, ResultRow> run : Claims.finals(ReportData.asTrained(rs, Experiment.SIZE.id())).values()) trained.addAll(run.values());
        if (trained.isEmpty() || task == null) return new Section(s.append(notRun(Experiment.SIZE.id())).toString(), "not run");
        trained.sort(Comparator.comparingDouble(ResultRow::x).thenComparingLong(ResultRow::seed));
        s.append("**Ours** (final checkpoint of each run and pre-training seed; accuracy in %, mean ± std over probe seeds; "
            + "Tr(H) ± s.e.):\n\n");
        s.append(taskTable("| run | seed | d | parameters (trained / embedded) | KL ± s.e. | saturated |", "|---|---:|---:|---:|---:|---|",
            "acc", d.tasks, " Tr(H) as trained | Tr(H) embedded |", "---:|---:|"));
        List<ResultRow> embedded = new ArrayList<>();
        for (ResultRow r : trained) {
            ResultRow em = rs.stream().filter(e -> "embedded".equals(e.variant()) && String.valueOf(e.run()).equals(r.run())
                && e.seed() == r.seed() && e.step() == r.step()).findFirst().orElse(null);
            if (em != null) embedded.add(em);
            s.append("| ").append(r.run()).append(" | ").append(seed(r)).append(" | ").append(Fmt.x(r.x())).append(" | ")
                .append(r.parameters()).append(" / ").append(em == null ? Fmt.NA : Long.toString(em.parameters())).append(" | ")
                .append(Fmt.gpm(r.kl(), r.klStderr())).append(" | ").append(d.saturated(r) ? "yes" : "no").append(" |");
            for (String t : d.tasks) s.append(' ').append(Fmt.acc(r.accuracy().get(t))).append(" |");
            s.append(' ').append(Fmt.pm(r.trH(), r.trHStderr(), 2)).append(" | ")
                .append(em == null ? Fmt.NA : Fmt.pm(em.trH(), em.trHStderr(), 2)).append(" |\n");
        }
        s.append('\n');
        List<ResultRow> sat = trained.stream().filter(d::saturated).toList();
        String extra = sat.size() < 2 ? "" : "Across the saturated final checkpoints (every seed): "
            + corr("ρ(acc, d)", ReportData.spearman(col(sat, ResultRow::x), pct(sat, task))) + ".";
        Section v = verdict(s, Experiment.SIZE.id(), extra);
        List<Plots.Series> acc = new ArrayList<>();
        for (String t : d.tasks) acc.add(accSeries(t, trained, t));
        String seeds = trained.stream().map(ResultRow::seed).distinct().count() > 1 ? " (mean over seeds ± s.e.)" : "";
        s.append(d.figure(new Plots.Figure("size-accuracy", "Probe accuracy vs model width" + seeds, "width d", "accuracy (%)", acc)));
        s.append(d.figure(new Plots.Figure("size-trace", "Tr(H) vs model width" + seeds, "width d", "Tr(H)", List.of(
            meanSeries("embedded into the largest architecture", embedded, ResultRow::trH, ResultRow::trHStderr),
            meanSeries("as trained", trained, ResultRow::trH, ResultRow::trHStderr)))));
        s.append(d.commands(Experiment.SIZE.id(), rs));
        return new Section(s.toString(), v.headline());
    }

    private static final List<String> ALGORITHM_ORDER = List.of("standard", "sam", "adversarial", "exact-target",
        "adversarial-exact-target", "lookup");

    Section algorithms() throws IOException {
        String task = d.main();
        StringBuilder s = new StringBuilder("## 3 Algorithms\n\n");
        s.append("**Paper** (Tables 1, 2; PCFG): at (nearly) the same loss, the standard optimiser transfers better than an "
            + "adversarially trained model and than the lookup table of the exact conditionals, and is flatter:\n\n"
            + "| | standard | adversarial | lookup table |\n|---|---:|---:|---:|\n"
            + "| pre-training loss | 3.204 | 3.206 | 3.196 |\n| task A | 89.9 | 83.1 | 71.2 |\n"
            + "| task B | 49.2 | 42.3 | 39.7 |\n| Tr(H) | 8.01 | 19.34 | – |\n\n");
        Map<String, Map<Long, ResultRow>> fin = new java.util.TreeMap<>(Comparator.comparingInt((String run) -> {
            int i = ALGORITHM_ORDER.indexOf(run);
            return i < 0 ? ALGORITHM_ORDER.size() : i;
        }).thenComparing(Comparator.naturalOrder()));
        fin.putAll(Claims.finals(ReportData.asTrained(d.rows, Experiment.ALGORITHMS.id())));
        if (fin.isEmpty() || task == null) return new Section(s.append(notRun(Experiment.ALGORITHMS.id())).toString(), "not run");
        List<ResultRow> rs = new ArrayList<>();
        fin.values().forEach(m -> rs.addAll(m.values()));
        s.append("**Ours** (final checkpoint of each continuation and pre-training seed; accuracy in %, mean ± std over probe seeds):"
            + "\n\n");
        s.append(taskTable("| run | seed | step | KL ± s.e. | saturated |", "|---|---:|---:|---:|---|", "acc", d.tasks,
            " Tr(H) ± s.e. |", "---:|"));
        for (ResultRow r : rs) {
            boolean model = Double.isFinite(r.kl());
            s.append("| ").append(r.run()).append(" | ").append(seed(r)).append(" | ")
                .append(r.step() < 0 ? Fmt.NA : Long.toString(r.step())).append(" | ")
                .append(Fmt.gpm(r.kl(), r.klStderr())).append(" | ").append(model ? (d.saturated(r) ? "yes" : "no") : "n/a").append(" |");
            for (String t : d.tasks) s.append(' ').append(Fmt.acc(r.accuracy().get(t))).append(" |");
            s.append(' ').append(Fmt.pm(r.trH(), r.trHStderr(), 2)).append(" |\n");
        }
        s.append('\n');
        Section v = verdict(s, Experiment.ALGORITHMS.id(), samLine(task));
        List<String> cats = new ArrayList<>(fin.keySet());
        List<double[]> vals = new ArrayList<>(), errs = new ArrayList<>();
        for (String t : d.tasks) {
            double[] val = new double[cats.size()], err = new double[cats.size()];
            for (int i = 0; i < cats.size(); i++) {
                ReportData.Means m = runMeans(fin.get(cats.get(i)), r -> 100 * r.acc(t), r -> pctStd(List.of(r), t)[0]);
                val[i] = m.y().length == 0 ? Double.NaN : m.y()[0];
                err[i] = m.y().length == 0 ? Double.NaN : m.err()[0];
            }
            vals.add(val);
            errs.add(err);
        }
        boolean seeds = fin.values().stream().anyMatch(m -> m.size() > 1);
        s.append(d.figure(new Plots.Bars("algorithms-accuracy", "Probe accuracy per algorithm ("
            + (seeds ? "mean over pre-training seeds ± s.e." : "mean ± std over probe seeds") + ")",
            "algorithm", "accuracy (%)", cats, d.tasks, vals, errs)));
        List<Plots.Series> pts = new ArrayList<>();
        for (String run : cats) {
            ReportData.Means tr = runMeans(fin.get(run), ResultRow::trH, ResultRow::trHStderr);
            ReportData.Means acc = runMeans(fin.get(run), r -> 100 * r.acc(task), r -> pctStd(List.of(r), task)[0]);
            if (tr.y().length == 0 || acc.y().length == 0) continue;
            pts.add(Plots.Series.scatter(run, tr.y(), acc.y(), acc.err()));
        }
        s.append(d.figure(new Plots.Figure("algorithms-accuracy-trace", "Probe accuracy vs Tr(H) per algorithm", "Tr(H)",
            "accuracy " + task + " (%)", pts)));
        s.append(d.commands(Experiment.ALGORITHMS.id(), rs));
        return new Section(s.toString(), v.headline());
    }

    /** One run's mean over its seeds (a single key). */
    private static ReportData.Means runMeans(Map<Long, ResultRow> seeds, java.util.function.ToDoubleFunction<ResultRow> f,
                                             java.util.function.ToDoubleFunction<ResultRow> err) {
        return ReportData.overSeeds(new ArrayList<>(seeds.values()), r -> 0, f, err);
    }

    /** SAM − standard accuracy, paired by seed (descriptive: the paper gives no number for it); runs picked by algorithm. */
    private String samLine(String task) {
        List<Claims.Condition> cs = Claims.conditions(d.rows);
        Claims.Condition std = Claims.find(cs, "standard"), sam = Claims.find(cs, "sam");
        if (std == null || sam == null) return "";
        Claims.Pairs p = Claims.algorithmPairs(cs, sam, std, d.ctx.saturationKl()); // [standard, sam]: the change is SAM − standard
        Claims.Claim acc = Claims.evaluate(Experiment.ALGORITHMS.id(), "SAM − standard accuracy", task, Claims.Metric.ACCURACY, false, +1,
            Double.NaN, "", p);
        Claims.Claim tr = Claims.evaluate(Experiment.ALGORITHMS.id(), "SAM − standard Tr(H)", "", Claims.Metric.TRACE, false, -1, Double.NaN, "", p);
        String beyond = switch (acc.verdict().outcome()) {
            case HELD -> "SAM better (" + acc.test() + ")";
            case OPPOSITE -> "SAM worse (" + acc.test() + ")";
            case UNTESTED -> acc.verdict().text();
            default -> "no difference detected (" + acc.test() + "; MDE at 80 % power " + acc.mde() + ")";
        };
        return "SAM − standard accuracy (descriptive, no paper number): " + acc.ours() + ", " + beyond
            + "; SAM − standard Tr(H) relative to standard: " + tr.ours() + ".";
    }

    /** A table's header and alignment rows: the leading columns, one "{prefix} TASK" column per task, the trailing ones. */
    static String taskTable(String lead, String leadAlign, String prefix, List<String> tasks, String trail, String trailAlign) {
        StringBuilder h = new StringBuilder(lead), a = new StringBuilder(leadAlign);
        for (String t : tasks) {
            h.append(' ').append(prefix).append(' ').append(t).append(" |");
            a.append("---:|");
        }
        return h.append(trail).append('\n').append(a).append(trailAlign).append('\n').toString();
    }
}
