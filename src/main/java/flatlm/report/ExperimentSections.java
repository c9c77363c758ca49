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
            .append(Fmt.g(d.ctx.saturationKl())).append(" nats per token. Final KL ± standard error per run:\n\n");
        if (d.rows.isEmpty()) return new Section(s.append("No rows.\n\n").toString(), "no rows");
        s.append("| experiment | run | evaluated | final x | final KL ± s.e. | saturated at the end | saturated checkpoints (x) |\n")
            .append("|---|---|---:|---:|---:|---|---|\n");
        Map<String, List<ResultRow>> groups = new java.util.LinkedHashMap<>();
        for (ResultRow r : d.rows) groups.computeIfAbsent(r.experiment() + "\u0000" + r.run(), k -> new ArrayList<>()).add(r);
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
            s.append("| ").append(last.experiment()).append(" | ").append(last.run()).append(" | ").append(g.size())
                .append(" | ").append(last.step() < 0 ? Fmt.NA : Fmt.x(last.x())).append(" | ").append(Fmt.gpm(last.kl(), last.klStderr()))
                .append(" | ").append(noModel ? "n/a" : d.saturated(last) ? "yes" : "no")
                .append(" | ").append(sat.isEmpty() ? "none" : satText).append(" |\n");
        }
        s.append("\n");
        return new Section(s.toString(), "");
    }

    Section convergence() throws IOException {
        String task = d.main();
        StringBuilder s = new StringBuilder("## 1 Training past convergence\n\n");
        s.append("**Paper** (Fig. 1, 3): after the pre-training loss saturates, downstream accuracy keeps rising "
            + "(+1.6 points PCFG, +4.0 HMM) while Tr(H) falls.\n\n");
        List<ResultRow> rs = d.select(r -> "convergence".equals(r.experiment()) && r.variant().isEmpty());
        if (rs.isEmpty() || task == null) return new Section(s.append(notRun("convergence")).toString(), "not run");
        Map<String, List<ResultRow>> runs = ReportData.byRun(rs);
        s.append("**Ours**: first vs last saturated checkpoint of each run (accuracy in points, mean ± std over seeds; "
            + "differences ± combined standard error), and Spearman's ρ with the step over the saturated checkpoints "
            + "(95% bootstrap interval).\n\n");
        s.append("| run | saturated / all | steps |");
        for (String t : d.tasks) s.append(" Δacc ").append(t).append(" |");
        s.append(" ΔTr(H) | ΔKL | ρ(acc, step) | ρ(Tr(H), step) |\n|---|---:|---|");
        for (String ignored : d.tasks) s.append("---:|");
        s.append("---:|---:|---|---|\n");
        List<String> verdicts = new ArrayList<>();
        for (var e : runs.entrySet()) {
            List<ResultRow> sat = e.getValue().stream().filter(d::saturated).toList();
            s.append("| ").append(e.getKey()).append(" | ").append(sat.size()).append(" / ").append(e.getValue().size());
            if (sat.size() < 2) {
                s.append(" | – |").append(" – |".repeat(d.tasks.size() + 4)).append('\n');
                ResultRow last = e.getValue().get(e.getValue().size() - 1);
                verdicts.add(e.getKey() + ": could not be tested — " + (sat.isEmpty()
                    ? "it never reached KL < " + Fmt.g(d.ctx.saturationKl()) + " (final KL " + Fmt.g(last.kl()) + ")"
                    : "only one saturated checkpoint"));
                continue;
            }
            ResultRow a = sat.get(0), b = sat.get(sat.size() - 1);
            s.append(" | ").append(a.step()).append(" → ").append(b.step()).append(" |");
            for (String t : d.tasks) s.append(' ').append(accDiff(a, b, t).text(1)).append(" |");
            Diff acc = accDiff(a, b, task), tr = trDiff(a, b), kl = ReportData.klDiff(a, b);
            Statistics.Interval rAcc = ReportData.spearman(col(sat, ResultRow::x), pct(sat, task));
            Statistics.Interval rTr = ReportData.spearman(col(sat, ResultRow::x), col(sat, ResultRow::trH));
            s.append(' ').append(tr.text(2)).append(" | ").append(Fmt.gpm(kl.d(), kl.se())).append(" | ")
                .append(Fmt.ci(rAcc, 2)).append(" (n ").append(rAcc.n()).append(") | ")
                .append(Fmt.ci(rTr, 2)).append(" (n ").append(rTr.n()).append(") |\n");
            verdicts.add(e.getKey() + ": " + convergenceVerdict(acc, tr, a, b));
        }
        String verdict = String.join("; ", verdicts);
        s.append("\n**Verdict** (task ").append(task).append("): ").append(verdict).append(".\n\n");
        s.append(d.figure(convergenceKlAcc(runs, task).withRightAxis("accuracy " + task + " (%)")));
        s.append(d.figure(convergenceAccTr(runs, task).withRightAxis("Tr(H)")));
        if (d.tasks.size() > 1) s.append(d.figure(convergenceAllTasks(runs)));
        s.append(d.commands("convergence", rs));
        return new Section(s.toString(), verdict);
    }

    private static String convergenceVerdict(Diff acc, Diff tr, ResultRow a, ResultRow b) {
        String steps = "from step " + a.step() + " to " + b.step();
        String accText = "accuracy " + acc.text(1) + " points", trText = "Tr(H) " + Fmt.g(a.trH()) + " → " + Fmt.g(b.trH());
        if (acc.up() && tr.down()) return "held at our scale: " + steps + " " + accText + " while " + trText;
        if (acc.up()) return "partly held: " + steps + " " + accText + " (beyond 2 s.e.) but " + trText
            + (Double.isFinite(tr.d()) ? " did not fall beyond 2 s.e." : " was not measured");
        if (tr.down()) return "did not appear at our scale for accuracy: " + steps + " " + accText
            + " (within 2 s.e. or down) although " + trText + " fell";
        return "did not appear at our scale: " + steps + " " + accText + " and " + trText;
    }

    private Plots.Figure convergenceKlAcc(Map<String, List<ResultRow>> runs, String task) {
        List<Plots.Series> ss = new ArrayList<>();
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        for (var e : runs.entrySet()) {
            double[] x = col(e.getValue(), ResultRow::x);
            for (double v : x) { x0 = Math.min(x0, v); x1 = Math.max(x1, v); }
            ss.add(Plots.Series.line(e.getKey() + ": log10 KL", x, col(e.getValue(), r -> r.kl() > 0 ? Math.log10(r.kl()) : Double.NaN), null));
            ss.add(Plots.Series.line(e.getKey() + ": accuracy " + task, x, pct(e.getValue(), task), pctStd(e.getValue(), task)).onRightAxis());
        }
        if (x0 < x1) ss.add(Plots.Series.fit("saturation threshold", 0, Math.log10(d.ctx.saturationKl()), x0, x1));
        return new Plots.Figure("convergence-kl-accuracy", "Exact KL (log10) and probe accuracy vs step", "step",
            "log10 KL (nats/token)", ss);
    }

    private Plots.Figure convergenceAccTr(Map<String, List<ResultRow>> runs, String task) {
        List<Plots.Series> ss = new ArrayList<>();
        for (var e : runs.entrySet()) {
            double[] x = col(e.getValue(), ResultRow::x);
            ss.add(Plots.Series.line(e.getKey() + ": accuracy " + task, x, pct(e.getValue(), task), pctStd(e.getValue(), task)));
            ss.add(Plots.Series.line(e.getKey() + ": Tr(H)", x, col(e.getValue(), ResultRow::trH),
                col(e.getValue(), ResultRow::trHStderr)).onRightAxis());
        }
        return new Plots.Figure("convergence-accuracy-trace", "Probe accuracy and Tr(H) vs step", "step",
            "accuracy " + task + " (%)", ss);
    }

    private Plots.Figure convergenceAllTasks(Map<String, List<ResultRow>> runs) {
        List<Plots.Series> ss = new ArrayList<>();
        for (var e : runs.entrySet()) {
            for (String t : d.tasks) {
                ss.add(Plots.Series.line(e.getKey() + ": " + t, col(e.getValue(), ResultRow::x), pct(e.getValue(), t), pctStd(e.getValue(), t)));
            }
        }
        return new Plots.Figure("convergence-accuracy-tasks", "Probe accuracy of every task vs step", "step", "accuracy (%)", ss);
    }

    Section size() throws IOException {
        String task = d.main();
        StringBuilder s = new StringBuilder("## 2 Model size\n\n");
        s.append("**Paper** (Fig. 2, 5; PCFG): at the same saturated loss larger models probe better and, embedded into "
            + "the largest architecture, are flatter: Tr(H) 19.8 → 12.6 while probe accuracy 40.4 → 50.5.\n\n");
        List<ResultRow> rs = d.of("size");
        List<ResultRow> trained = new ArrayList<>(rs.stream().filter(r -> r.variant().isEmpty()).toList());
        if (trained.isEmpty() || task == null) return new Section(s.append(notRun("size")).toString(), "not run");
        trained.sort(Comparator.comparingDouble(ResultRow::x));
        s.append("**Ours** (accuracy in %, mean ± std over seeds; Tr(H) ± s.e.):\n\n| run | d | parameters (trained / embedded) | KL ± s.e. | saturated |");
        for (String t : d.tasks) s.append(" acc ").append(t).append(" |");
        s.append(" Tr(H) as trained | Tr(H) embedded |\n|---|---:|---:|---:|---|");
        for (String ignored : d.tasks) s.append("---:|");
        s.append("---:|---:|\n");
        List<ResultRow> embedded = new ArrayList<>();
        for (ResultRow r : trained) {
            ResultRow em = rs.stream().filter(e -> "embedded".equals(e.variant()) && String.valueOf(e.run()).equals(r.run()))
                .findFirst().orElse(null);
            embedded.add(em);
            s.append("| ").append(r.run()).append(" | ").append(Fmt.x(r.x())).append(" | ").append(r.parameters())
                .append(" / ").append(em == null ? Fmt.NA : Long.toString(em.parameters())).append(" | ")
                .append(Fmt.gpm(r.kl(), r.klStderr())).append(" | ").append(d.saturated(r) ? "yes" : "no").append(" |");
            for (String t : d.tasks) s.append(' ').append(Fmt.acc(r.accuracy().get(t))).append(" |");
            s.append(' ').append(Fmt.pm(r.trH(), r.trHStderr(), 2)).append(" | ")
                .append(em == null ? Fmt.NA : Fmt.pm(em.trH(), em.trHStderr(), 2)).append(" |\n");
        }
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < trained.size(); i++) if (d.saturated(trained.get(i))) idx.add(i);
        String caveat = "";
        if (idx.size() < 2) {
            idx.clear();
            for (int i = 0; i < trained.size(); i++) idx.add(i);
            caveat = " (fewer than two sizes reached saturation, so this is not at equal loss)";
        }
        String verdict;
        if (idx.size() < 2) verdict = "could not be tested: only one model size";
        else {
            int i0 = idx.get(0), i1 = idx.get(idx.size() - 1);
            ResultRow a = trained.get(i0), b = trained.get(i1);
            ResultRow ea = embedded.get(i0), eb = embedded.get(i1);
            boolean useEmb = ea != null && eb != null && Double.isFinite(ea.trH()) && Double.isFinite(eb.trH());
            Diff acc = accDiff(a, b, task), tr = useEmb ? trDiff(ea, eb) : trDiff(a, b);
            String which = useEmb ? "embedded Tr(H) " : "Tr(H) as trained ";
            String nums = "from d = " + Fmt.x(a.x()) + " to d = " + Fmt.x(b.x()) + " accuracy " + acc.text(1) + " points, "
                + which + Fmt.g((useEmb ? ea : a).trH()) + " → " + Fmt.g((useEmb ? eb : b).trH());
            if (acc.up() && tr.down()) verdict = "held at our scale: " + nums;
            else if (acc.up() || tr.down()) verdict = "partly held: " + nums + " (only the "
                + (acc.up() ? "accuracy gain" : "flatness gain") + " exceeds 2 s.e.)";
            else verdict = "did not appear at our scale: " + nums + " (neither beyond 2 s.e. in the paper's direction)";
            verdict += caveat;
            List<ResultRow> used = idx.stream().map(trained::get).toList();
            verdict += "; " + corr("ρ(acc, d)", ReportData.spearman(col(used, ResultRow::x), pct(used, task)));
        }
        s.append("\n**Verdict** (task ").append(task).append("): ").append(verdict).append(".\n\n");
        List<Plots.Series> acc = new ArrayList<>();
        for (String t : d.tasks) acc.add(Plots.Series.line(t, col(trained, ResultRow::x), pct(trained, t), pctStd(trained, t)));
        s.append(d.figure(new Plots.Figure("size-accuracy", "Probe accuracy vs model width", "width d", "accuracy (%)", acc)));
        double[] ex = col(trained, ResultRow::x);
        double[] et = new double[ex.length], ee = new double[ex.length];
        for (int i = 0; i < ex.length; i++) {
            et[i] = embedded.get(i) == null ? Double.NaN : embedded.get(i).trH();
            ee[i] = embedded.get(i) == null ? Double.NaN : embedded.get(i).trHStderr();
        }
        s.append(d.figure(new Plots.Figure("size-trace", "Tr(H) vs model width", "width d", "Tr(H)", List.of(
            Plots.Series.line("embedded into the largest architecture", ex, et, ee),
            Plots.Series.line("as trained", ex, col(trained, ResultRow::trH), col(trained, ResultRow::trHStderr))))));
        s.append(d.commands("size", rs));
        return new Section(s.toString(), verdict);
    }

    private static final List<String> ALGORITHM_ORDER = List.of("standard", "sam", "adversarial", "exact-target", "lookup");

    Section algorithms() throws IOException {
        String task = d.main();
        StringBuilder s = new StringBuilder("## 3 Algorithms\n\n");
        s.append("**Paper** (Tables 1, 2; PCFG): at (nearly) the same loss, the standard optimiser transfers better than an "
            + "adversarially trained model and than the lookup table of the exact conditionals, and is flatter:\n\n"
            + "| | standard | adversarial | lookup table |\n|---|---:|---:|---:|\n"
            + "| pre-training loss | 3.204 | 3.206 | 3.196 |\n| task A | 89.9 | 83.1 | 71.2 |\n"
            + "| task B | 49.2 | 42.3 | 39.7 |\n| Tr(H) | 8.01 | 19.34 | – |\n\n");
        List<ResultRow> rs = new ArrayList<>();
        for (List<ResultRow> g : ReportData.byRun(d.select(r -> "algorithms".equals(r.experiment()) && r.variant().isEmpty())).values()) {
            rs.add(g.get(g.size() - 1));
        }
        if (rs.isEmpty() || task == null) return new Section(s.append(notRun("algorithms")).toString(), "not run");
        rs.sort(Comparator.comparingInt(r -> {
            int i = ALGORITHM_ORDER.indexOf(r.run());
            return i < 0 ? ALGORITHM_ORDER.size() : i;
        }));
        s.append("**Ours** (final checkpoint of each continuation; accuracy in %, mean ± std over seeds):\n\n| run | step | KL ± s.e. | saturated |");
        for (String t : d.tasks) s.append(" acc ").append(t).append(" |");
        s.append(" Tr(H) ± s.e. |\n|---|---:|---:|---|");
        for (String ignored : d.tasks) s.append("---:|");
        s.append("---:|\n");
        for (ResultRow r : rs) {
            boolean model = Double.isFinite(r.kl());
            s.append("| ").append(r.run()).append(" | ").append(r.step() < 0 ? Fmt.NA : Long.toString(r.step())).append(" | ")
                .append(Fmt.gpm(r.kl(), r.klStderr())).append(" | ").append(model ? (d.saturated(r) ? "yes" : "no") : "n/a").append(" |");
            for (String t : d.tasks) s.append(' ').append(Fmt.acc(r.accuracy().get(t))).append(" |");
            s.append(' ').append(Fmt.pm(r.trH(), r.trHStderr(), 2)).append(" |\n");
        }
        String verdict = algorithmsVerdict(rs, task);
        s.append("\n**Verdict** (task ").append(task).append("): ").append(verdict).append(".\n\n");
        List<String> cats = rs.stream().map(r -> String.valueOf(r.run())).toList();
        List<double[]> vals = new ArrayList<>(), errs = new ArrayList<>();
        for (String t : d.tasks) {
            vals.add(pct(rs, t));
            errs.add(pctStd(rs, t));
        }
        s.append(d.figure(new Plots.Bars("algorithms-accuracy", "Probe accuracy per algorithm (mean ± std over seeds)",
            "algorithm", "accuracy (%)", cats, d.tasks, vals, errs)));
        List<Plots.Series> pts = new ArrayList<>();
        for (ResultRow r : rs) {
            pts.add(Plots.Series.scatter(String.valueOf(r.run()), new double[] {r.trH()}, new double[] {100 * r.acc(task)},
                pctStd(List.of(r), task)));
        }
        s.append(d.figure(new Plots.Figure("algorithms-accuracy-trace", "Probe accuracy vs Tr(H) per algorithm", "Tr(H)",
            "accuracy " + task + " (%)", pts)));
        s.append(d.commands("algorithms", rs));
        return new Section(s.toString(), verdict);
    }

    private String algorithmsVerdict(List<ResultRow> rs, String task) {
        ResultRow std = find(rs, "standard"), adv = find(rs, "adversarial"), lookup = find(rs, "lookup"), sam = find(rs, "sam");
        List<String> parts = new ArrayList<>();
        if (std == null || adv == null) parts.add("standard vs adversarial could not be tested (a run is missing)");
        else {
            Diff kl = ReportData.klDiff(std, adv), acc = accDiff(adv, std, task), tr = trDiff(std, adv);
            String loss = kl.counts() && !(d.saturated(std) && d.saturated(adv))
                ? "not at equal loss (KL " + Fmt.g(std.kl()) + " vs " + Fmt.g(adv.kl()) + ")"
                : "at equal loss (KL " + Fmt.g(std.kl()) + " vs " + Fmt.g(adv.kl()) + ")";
            String nums = "standard − adversarial accuracy " + acc.text(1) + " points, Tr(H) " + Fmt.g(std.trH())
                + " vs " + Fmt.g(adv.trH()) + ", " + loss;
            if (acc.up() && tr.counts() && tr.d() > 0) parts.add("held at our scale: " + nums);
            else if (acc.up() || (tr.counts() && tr.d() > 0)) parts.add("partly held: " + nums);
            else parts.add("did not appear at our scale: " + nums);
        }
        if (std != null && lookup != null) {
            Diff acc = accDiff(lookup, std, task);
            parts.add("standard − lookup table " + acc.text(1) + " points (" + (acc.up() ? "the model beats the table"
                : "the model does not beat the table beyond 2 s.e.") + ")");
        }
        if (std != null && sam != null) {
            parts.add("SAM − standard accuracy " + accDiff(std, sam, task).text(1) + " points, Tr(H) " + Fmt.g(sam.trH())
                + " vs " + Fmt.g(std.trH()));
        }
        return String.join("; ", parts);
    }

    private static ResultRow find(List<ResultRow> rs, String run) {
        return rs.stream().filter(r -> run.equals(r.run())).findFirst().orElse(null);
    }
}
