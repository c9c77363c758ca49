package flatlm.report;

import flatlm.report.ReportData.Section;
import flatlm.report.Statistics.Fit;
import flatlm.report.Statistics.Interval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static flatlm.report.ReportData.col;
import static flatlm.report.ReportData.corr;
import static flatlm.report.ReportData.pct;
import static flatlm.report.ReportData.pctStd;

/** Sections 4–6: the Dyck theory (included), the linear regime and the statistics. */
final class AnalysisSections {
    private static final Pattern IMAGE = Pattern.compile("!\\[([^\\]]*)]\\(([^)\\s]+)\\)");
    /** R² from which the least-squares line counts as holding away from saturation. */
    static final double LINE_HOLDS_R2 = 0.7;

    private final ReportData d;

    AnalysisSections(ReportData d) {
        this.d = d;
    }

    /** The Dyck section: dyck.md with its headings one level down and its images relative to the report. */
    Section dyck() throws IOException {
        StringBuilder s = new StringBuilder("## 4 Dyck theory\n\n");
        Path md = d.ctx.dyckMarkdown();
        if (md == null || !Files.isRegularFile(md)) {
            return new Section(s.append("**Paper** (Section 6): on the Dyck language the flattest zero-loss solution is the "
                + "transferable one. Not run in this reproduction (no dyck.md).\n\n").toString(), "not run");
        }
        Path base = md.toAbsolutePath().getParent(), out = d.ctx.outDir().toAbsolutePath();
        String finding = null;
        boolean inFindings = false;
        for (String line : Files.readAllLines(md, StandardCharsets.UTF_8)) {
            if (line.startsWith("#")) {
                inFindings = line.toLowerCase(java.util.Locale.ROOT).contains("findings");
                line = "#" + line; // one level down, under our section heading
            } else if (inFindings && finding == null && line.startsWith("- ")) finding = line.substring(2).strip();
            Matcher m = IMAGE.matcher(line);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                String src = m.group(2);
                if (!src.contains(":")) src = out.relativize(base.resolve(src).normalize()).toString().replace('\\', '/');
                m.appendReplacement(b, Matcher.quoteReplacement("![" + m.group(1) + "](" + src + ")"));
            }
            m.appendTail(b);
            s.append(b).append('\n');
        }
        s.append('\n');
        String verdict = finding == null ? "see section 4" : finding.replaceAll("\\.$", "");
        return new Section(s.toString(), verdict);
    }

    Section linear() throws IOException {
        StringBuilder s = new StringBuilder("## 5 Linear regime\n\n");
        s.append("**Claim** (the paper's blog post): away from saturation, e.g. for magnitude-pruned models, the pre-training "
            + "loss predicts downstream accuracy along a line; at saturation the loss stops predicting it and Tr(H) does.\n\n");
        List<ResultRow> pruned = d.select(r -> Experiment.PRUNING.is(r.experiment()) && Double.isFinite(r.ce()));
        List<ResultRow> unsat = d.select(r -> Experiment.CONVERGENCE.is(r.experiment()) && r.variant().isEmpty()
            && Double.isFinite(r.kl()) && !d.saturated(r));
        // probed models only: a checkpoint measured along a run without probes (the noise experiment's) has no accuracy
        List<ResultRow> sat = d.select(r -> r.variant().isEmpty() && !"lookup".equals(r.run()) && d.saturated(r) && !r.accuracy().isEmpty());
        List<ResultRow> fitSet = new ArrayList<>(pruned);
        fitSet.addAll(unsat);
        if (d.main() == null || (fitSet.isEmpty() && sat.isEmpty())) {
            return new Section(s.append(ExperimentSections.notRun(Experiment.PRUNING.id())).toString(), "not run");
        }
        s.append("Points away from saturation: ").append(pruned.size()).append(" pruned models and ").append(unsat.size())
            .append(" unsaturated convergence checkpoints (KL ≥ ").append(Fmt.g(d.ctx.saturationKl()))
            .append("); saturated set: ").append(sat.size()).append(" saturated models (as trained, every experiment). "
                + "Accuracy in points; line acc = intercept + slope·CE fitted by least squares on the unsaturated set; "
                + "95% paired bootstrap intervals (the saturated set's correlations over (run × seed) clusters).\n\n");
        s.append("| task | n | slope (points/nat) | intercept | R² | RMSE (points) |\n|---|---:|---:|---:|---:|---:|\n");
        StringBuilder satTable = new StringBuilder("| task | n saturated | residual mean ± sd (points) | Pearson(residual, Tr(H)) | "
            + "Spearman(residual, Tr(H)) |\n|---|---:|---:|---|---|\n");
        String verdict = null;
        StringBuilder figs = new StringBuilder();
        for (String t : d.tasks) {
            double[] x = col(fitSet, ResultRow::ce), y = pct(fitSet, t);
            Fit fit = Statistics.fit(x, y);
            double[][] xy = {x, y};
            Interval slope = Statistics.bootstrap(xy, c -> Statistics.fit(c[0], c[1]).slope());
            Interval icpt = Statistics.bootstrap(xy, c -> Statistics.fit(c[0], c[1]).intercept());
            Interval r2 = Statistics.bootstrap(xy, c -> Statistics.fit(c[0], c[1]).r2());
            double rmse = rmse(x, y, fit);
            s.append("| ").append(t).append(" | ").append(fit.n()).append(" | ").append(Fmt.ci(slope, 2)).append(" | ")
                .append(Fmt.ci(icpt, 2)).append(" | ").append(Fmt.ci(r2, 3)).append(" | ").append(Fmt.f(rmse, 2)).append(" |\n");
            double[] res = residuals(sat, t, fit), tr = col(sat, ResultRow::trH);
            double[] ok = Statistics.complete(res)[0];
            flatlm.stats.Summary okS = flatlm.stats.Summary.of(ok);
            double mean = okS.mean(), sd = okS.std();
            List<ResultRow> satOk = sat.stream().filter(r -> Double.isFinite(100 * r.acc(t) - fit.predict(r.ce())) && Double.isFinite(r.trH()))
                .toList(); // checkpoints of one run and seed resampled together
            Interval p = clustered(satOk, l -> Statistics.pearson(residuals(l, t, fit), col(l, ResultRow::trH)));
            Interval sp = clustered(satOk, l -> Statistics.spearman(residuals(l, t, fit), col(l, ResultRow::trH)));
            satTable.append("| ").append(t).append(" | ").append(ok.length).append(" | ").append(Fmt.pm(mean, sd, 2))
                .append(" | ").append(corr("r", p)).append(" | ").append(corr("ρ", sp)).append(" |\n");
            if (verdict == null) verdict = linearVerdict(fit, r2, rmse, ok.length, sd, sp);
            figs.append(d.figure(linearFigure(t, pruned, unsat, sat, fit)));
            double[][] rt = Statistics.complete(res, tr, pctStd(sat, t));
            figs.append(d.figure(new Plots.Figure("linear-residual-" + Fmt.slug(t), "Saturated models: residual from the line vs Tr(H), "
                + t, "Tr(H)", "accuracy − line (points)", List.of(Plots.Series.scatter("saturated models", rt[1], rt[0], rt[2])))));
        }
        s.append('\n').append(satTable).append("\n**Verdict** (task ").append(d.main()).append("): ").append(verdict).append(".\n\n");
        s.append(figs);
        s.append(d.commands(Experiment.PRUNING.id(), pruned));
        return new Section(s.toString(), verdict);
    }

    private static String linearVerdict(Fit fit, Interval r2, double rmse, int nSat, double sd, Interval sp) {
        List<String> parts = new ArrayList<>();
        if (fit.n() < 3) parts.add("the line could not be tested (only " + fit.n() + " points away from saturation)");
        else if (fit.r2() >= LINE_HOLDS_R2) parts.add("the line holds away from saturation (R² = " + Fmt.ci(r2, 3) + ", n = " + fit.n() + ")");
        else parts.add("the line fits poorly away from saturation (R² = " + Fmt.ci(r2, 3) + ", n = " + fit.n() + ")");
        boolean noLine = fit.n() >= 3 && fit.r2() < LINE_HOLDS_R2;
        if (nSat < 2 || !Double.isFinite(fit.slope())) parts.add("too few saturated models to test whether loss stops predicting accuracy");
        else if (noLine) parts.add("accuracy does not follow the loss even away from saturation (slope " + Fmt.f(fit.slope(), 2)
            + " points per nat, scatter " + Fmt.f(rmse, 2) + " points), so there is no line for saturation to break on this task; "
            + "saturated residual spread " + Fmt.f(sd, 2) + " points");
        else if (sd > rmse) parts.add("at saturation loss stops predicting accuracy: saturated residual spread "
            + Fmt.f(sd, 2) + " points vs " + Fmt.f(rmse, 2) + " around the line away from saturation");
        else parts.add("at saturation the loss still predicts accuracy at our scale: saturated residual spread "
            + Fmt.f(sd, 2) + " points, no larger than " + Fmt.f(rmse, 2) + " away from saturation");
        if (sp.n() < 4) parts.add("correlation of the residual with Tr(H): n = " + sp.n() + " is too few to mean anything");
        else if (sp.excludes(0) && sp.estimate() < 0) parts.add("the residual falls with Tr(H) as the paper claims (" + corr("ρ", sp) + ")");
        else if (sp.excludes(0)) parts.add("the residual rises with Tr(H), opposite to the paper (" + corr("ρ", sp) + ")");
        else parts.add("no correlation of the residual with Tr(H) distinguishable from zero (" + corr("ρ", sp) + ")");
        return String.join("; ", parts);
    }

    private Plots.Figure linearFigure(String t, List<ResultRow> pruned, List<ResultRow> unsat, List<ResultRow> sat, Fit fit) {
        List<Plots.Series> ss = new ArrayList<>();
        ss.add(Plots.Series.scatter("pruned", col(pruned, ResultRow::ce), pct(pruned, t), pctStd(pruned, t)));
        ss.add(Plots.Series.scatter("unsaturated checkpoints", col(unsat, ResultRow::ce), pct(unsat, t), pctStd(unsat, t)));
        ss.add(Plots.Series.scatter("saturated models", col(sat, ResultRow::ce), pct(sat, t), pctStd(sat, t)));
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (List<ResultRow> g : List.of(pruned, unsat, sat)) {
            for (ResultRow r : g) if (Double.isFinite(r.ce())) { lo = Math.min(lo, r.ce()); hi = Math.max(hi, r.ce()); }
        }
        if (Double.isFinite(fit.slope()) && lo < hi) {
            ss.add(Plots.Series.fit(String.format(java.util.Locale.ROOT, "least squares (R² = %.3f)", fit.r2()), fit.slope(), fit.intercept(), lo, hi));
        }
        return new Plots.Figure("linear-" + Fmt.slug(t), "Probe accuracy vs exact pre-training loss, " + t,
            "exact CE (nats/token)", "accuracy (%)", ss);
    }

    Section statistics() throws IOException {
        StringBuilder s = new StringBuilder("## 6 Statistics\n\n");
        List<ResultRow> sat = d.select(r -> r.variant().isEmpty() && d.saturated(r) && Double.isFinite(r.trH()) && !r.accuracy().isEmpty());
        List<ResultRow> emb = d.select(r -> "embedded".equals(r.variant()) && d.saturated(r) && Double.isFinite(r.trH()));
        if (d.main() == null || sat.isEmpty()) {
            return new Section(s.append("No saturated model with a measured Tr(H): nothing to correlate.\n\n").toString(), "no data");
        }
        s.append("Over the saturated models with a measured Tr(H) (as trained, every experiment): correlations of probe "
            + "accuracy with the exact loss (CE) and with Tr(H), and the partial correlation of accuracy and Tr(H) given CE "
            + "(r_xy·z = (r_xy − r_xz r_yz)/√((1 − r_xz²)(1 − r_yz²))), each with its 95% bootstrap interval over clusters "
            + "(" + Statistics.RESAMPLES + " resamples): the checkpoints of one run and pre-training seed are not independent, "
            + "so a resample draws whole (run × seed) clusters; n counts models (clusters in brackets).\n\n");
        String verdict = null;
        for (var set : List.of(java.util.Map.entry("saturated models, as trained", sat),
                               java.util.Map.entry("size experiment, embedded into the largest architecture", emb))) {
            if (set.getValue().isEmpty()) continue;
            s.append("**").append(set.getKey()).append("** (").append(set.getValue().size()).append(" models")
                .append(set.getValue().size() < 4 ? "; n < 4 is too few for these numbers to mean anything" : "").append(")\n\n")
                .append("| task | acc ~ CE: Pearson | acc ~ CE: Spearman | acc ~ Tr(H): Pearson | acc ~ Tr(H): Spearman | "
                    + "partial acc, Tr(H) given CE | n (clusters) |\n|---|---|---|---|---|---|---:|\n");
            for (String t : d.tasks) {
                List<ResultRow> rs = set.getValue().stream().filter(r -> Double.isFinite(r.acc(t)) && Double.isFinite(r.ce())).toList();
                Interval pc = clustered(rs, l -> Statistics.pearson(pct(l, t), col(l, ResultRow::ce)));
                Interval sc = clustered(rs, l -> Statistics.spearman(pct(l, t), col(l, ResultRow::ce)));
                Interval pt = clustered(rs, l -> Statistics.pearson(pct(l, t), col(l, ResultRow::trH)));
                Interval st = clustered(rs, l -> Statistics.spearman(pct(l, t), col(l, ResultRow::trH)));
                Interval part = clustered(rs, l -> Statistics.partialCorrelation(pct(l, t), col(l, ResultRow::trH), col(l, ResultRow::ce)));
                s.append("| ").append(t).append(" | ").append(Fmt.ci(pc, 2)).append(" | ").append(Fmt.ci(sc, 2)).append(" | ")
                    .append(Fmt.ci(pt, 2)).append(" | ").append(Fmt.ci(st, 2)).append(" | ").append(Fmt.ci(part, 2))
                    .append(" | ").append(part.n()).append(" (").append(Statistics.clusters(rs, AnalysisSections::cluster)).append(") |\n");
                if (verdict == null) verdict = statisticsVerdict(part, st, Statistics.clusters(rs, AnalysisSections::cluster));
            }
            s.append('\n');
        }
        s.append("**Verdict** (task ").append(d.main()).append(", saturated models as trained): ").append(verdict).append(".\n\n");
        List<Plots.Series> ss = new ArrayList<>();
        java.util.Map<String, List<ResultRow>> byExp = new java.util.LinkedHashMap<>();
        for (ResultRow r : sat) byExp.computeIfAbsent(r.experiment(), k -> new ArrayList<>()).add(r);
        for (var e : byExp.entrySet()) {
            ss.add(Plots.Series.scatter(e.getKey(), col(e.getValue(), ResultRow::trH), pct(e.getValue(), d.main()), pctStd(e.getValue(), d.main())));
        }
        double[] tr = col(sat, ResultRow::trH);
        Fit fit = Statistics.fit(tr, pct(sat, d.main()));
        double[] trOk = Statistics.complete(tr)[0];
        if (Double.isFinite(fit.slope()) && trOk.length > 1) {
            ss.add(Plots.Series.fit("least squares", fit.slope(), fit.intercept(),
                java.util.Arrays.stream(trOk).min().getAsDouble(), java.util.Arrays.stream(trOk).max().getAsDouble()));
        }
        s.append(d.figure(new Plots.Figure("statistics-accuracy-trace", "Saturated models: probe accuracy vs Tr(H), " + d.main(),
            "Tr(H)", "accuracy (%)", ss)));
        return new Section(s.toString(), verdict);
    }

    /** The bootstrap cluster of a model: its run and pre-training seed. */
    static String cluster(ResultRow r) {
        return r.experiment() + "/" + r.run() + "/" + r.seed();
    }

    /** A statistic of the rows with its 95 % cluster bootstrap interval (clusters: {@link #cluster}). */
    static Interval clustered(List<ResultRow> rs, java.util.function.ToDoubleFunction<List<ResultRow>> statistic) {
        return Statistics.clustered(rs, AnalysisSections::cluster, statistic);
    }

    private static String statisticsVerdict(Interval partial, Interval spearmanTr, int clusters) {
        if (partial.n() < 4) return "n = " + partial.n() + " saturated models is too few to mean anything";
        String nums = "partial r = " + Fmt.ci(partial, 2) + ", Spearman ρ(acc, Tr(H)) = " + Fmt.ci(spearmanTr, 2) + ", n = " + partial.n()
            + " in " + clusters + " (run × seed) clusters";
        if (partial.excludes(0) && partial.estimate() < 0) return "held at our scale: flatter models probe better beyond what the loss explains (" + nums + ")";
        if (partial.excludes(0)) return "opposite to the paper: sharper models probe better given the loss (" + nums + ")";
        return "did not appear at our scale: no correlation of accuracy with Tr(H) given the loss distinguishable from zero (" + nums + ")";
    }

    private static double[] residuals(List<ResultRow> rs, String t, Fit fit) {
        double[] out = new double[rs.size()];
        for (int i = 0; i < out.length; i++) out[i] = 100 * rs.get(i).acc(t) - fit.predict(rs.get(i).ce());
        return out;
    }

    /** √(Σ (y − ŷ)² / n) over the complete pairs. */
    private static double rmse(double[] x, double[] y, Fit fit) {
        double[][] c = Statistics.complete(x, y);
        double ss = 0;
        for (int i = 0; i < c[0].length; i++) ss += Math.pow(c[1][i] - fit.predict(c[0][i]), 2);
        return c[0].length == 0 ? Double.NaN : Math.sqrt(ss / c[0].length);
    }
}
