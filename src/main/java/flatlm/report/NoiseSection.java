package flatlm.report;

import flatlm.report.NoiseClaims.Level;
import flatlm.report.ReportData.Section;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Section 9, the mechanism tested by intervention (issue 23): per optimizer of the noise experiment,
 * the continuations of each seed's saturated checkpoint at each label-noise level, their KL and
 * Tr(H) along the way and both probe reads at the end, the claims of {@link NoiseClaims}, and the
 * figures: Tr(H) and KL against steps per level, final accuracy per level (means over pre-training
 * seeds ± s.e.).
 */
final class NoiseSection {
    /** The reads compared: the paper's (every word's final state, concatenated) and the masked state at the task's word. */
    static final List<String> READS = List.of("final/concat", "final/masked");

    private final ReportData d;

    NoiseSection(ReportData d) {
        this.d = d;
    }

    Section section() throws IOException {
        String task = d.main();
        StringBuilder s = new StringBuilder("## 9 The mechanism: label noise at saturation\n\n");
        s.append("**Paper** (Theorem 4.3): at a saturated minimiser the stochastic gradient of the MLM loss does not vanish because "
            + "the masked word is a sample from p*(·|x₋ᵢ); that label noise has the Hessian as covariance and drives SGD along the "
            + "minimisers toward smaller Tr(H), which transfers better. Exact targets have no label noise.\n\n");
        var levels = NoiseClaims.byLevel(d.rows);
        if (levels.isEmpty() || task == null) return new Section(s.append(ExperimentSections.notRun(Experiment.NOISE.id())).toString(), "not run");
        Map<Long, ResultRow> starts = NoiseClaims.starts(d.rows);
        s.append("**Ours**: from each pre-training seed's convergence AdamW run's last checkpoint (the start), continuations on the "
            + "same batches (same sentences and masks at every step) that differ only in the labels: the empirical distribution of "
            + "k words drawn from p*(·|x₋ᵢ) per masked context (gradient noise covariance H/(B·k) at a minimiser), or exact "
            + "targets. Means over pre-training seeds ± s.e. (with one seed, ± the estimate's own s.e. or the probe-seed std); "
            + "accuracy in %, task " + task + ", by the paper's read (final/concat) and the masked read (final/masked).\n\n");
        List<Claims.Claim> tested = NoiseClaims.claims(d.rows, task, d.ctx.saturationKl());
        for (var opt : levels.entrySet()) {
            s.append("**").append(opt.getKey()).append("**\n\n");
            s.append("| level | seeds | KL start | KL end ± s.e. | saturated at end | Tr(H) start | Tr(H) end | ΔTr(H) % of start |");
            for (String r : READS) s.append(" acc ").append(r).append(" |");
            s.append("\n|---|---:|---:|---:|---|---:|---:|---:|").append("---:|".repeat(READS.size())).append('\n');
            for (var lv : opt.getValue().entrySet()) {
                List<ResultRow> ends = new ArrayList<>(), st = new ArrayList<>();
                for (var seed : lv.getValue().entrySet()) {
                    ends.add(NoiseClaims.last(seed.getValue()));
                    if (starts.containsKey(seed.getKey())) st.add(starts.get(seed.getKey()));
                }
                long sat = ends.stream().filter(d::saturated).count();
                s.append("| ").append(lv.getKey().text()).append(" | ").append(ends.size()).append(" | ")
                    .append(Fmt.g(mean(st, ResultRow::kl, r -> Double.NaN)[0])).append(" | ")
                    .append(gpm(mean(ends, ResultRow::kl, ResultRow::klStderr))).append(" | ").append(sat).append(" of ").append(ends.size())
                    .append(" | ").append(pm(mean(st, ResultRow::trH, ResultRow::trHStderr), 2)).append(" | ")
                    .append(pm(mean(ends, ResultRow::trH, ResultRow::trHStderr), 2)).append(" | ")
                    .append(pm(mean(ends, r -> relChange(r, starts), r -> Double.NaN), 1)).append(" |");
                for (String read : READS) s.append(' ').append(pm(mean(readRows(ends, read), r -> 100 * r.acc(task), r -> stdPoints(r, task)), 1))
                    .append(" |");
                s.append('\n');
            }
            s.append('\n');
        }
        s.append("**Verdict** (the noisiest level with the most seeds at equal loss against exact targets, paired by pre-training seed; the KL difference of the "
            + "compared checkpoints beside each effect):\n\n");
        for (Claims.Claim c : tested) {
            s.append("- ").append(c.claim()).append(": **").append(c.verdict().text()).append("**; measured change ").append(c.ours())
                .append(", predicted ").append(c.predictedSign()).append(", ").append(c.test()).append(", MDE at 80 % power ").append(c.mde())
                .append("; ΔKL of the compared checkpoints (noisy − exact) ").append(c.klText()).append(" nats")
                .append("; paper ").append(c.paperText()).append(c.note().isEmpty() ? "" : "; " + c.note()).append(".\n");
        }
        s.append('\n');
        for (var opt : levels.entrySet()) figures(s, opt.getKey(), opt.getValue(), starts, task);
        s.append(d.commands(Experiment.NOISE.id(), d.of(Experiment.NOISE.id())));
        return new Section(s.toString(), String.join("; ", tested.stream().map(c -> c.claim() + ": "
            + c.verdict().text()).toList()));
    }

    private void figures(StringBuilder s, String opt, Map<Level, Map<Long, List<ResultRow>>> levels, Map<Long, ResultRow> starts,
                         String task) throws IOException {
        List<Plots.Series> tr = new ArrayList<>(), kl = new ArrayList<>();
        double x1 = 0;
        for (var lv : levels.entrySet()) {
            List<ResultRow> rs = new ArrayList<>();
            for (var seed : lv.getValue().entrySet()) {
                if (starts.containsKey(seed.getKey())) rs.add(starts.get(seed.getKey()));
                rs.addAll(seed.getValue());
            }
            for (ResultRow r : rs) if (isNoise(r)) x1 = Math.max(x1, r.step());
            tr.add(series(lv.getKey().text(), rs, ResultRow::trH, ResultRow::trHStderr));
            kl.add(series(lv.getKey().text(), rs, r -> r.kl() > 0 ? Math.log10(r.kl()) : Double.NaN, r -> Double.NaN));
        }
        if (x1 > 0) kl.add(Plots.Series.fit("saturation threshold", 0, Math.log10(d.ctx.saturationKl()), 0, x1));
        String seeds = seedsNote(levels);
        s.append(d.figure(new Plots.Figure("noise-trace-" + Fmt.slug(opt), "Tr(H) vs continuation step per label-noise level, "
            + opt + seeds, "continuation step (0 = the start: the AdamW run's last checkpoint)", "Tr(H)", tr)));
        s.append(d.figure(new Plots.Figure("noise-kl-" + Fmt.slug(opt), "Exact KL (log10) vs continuation step per label-noise level, "
            + opt + seeds, "continuation step (0 = the start: the AdamW run's last checkpoint)", "log10 KL (nats/token)", kl)));
        List<String> cats = new ArrayList<>();
        List<double[]> vals = new ArrayList<>(), errs = new ArrayList<>();
        for (String read : READS) {
            vals.add(new double[levels.size()]);
            errs.add(new double[levels.size()]);
        }
        int i = 0;
        for (var lv : levels.entrySet()) {
            cats.add(lv.getKey().text());
            List<ResultRow> ends = lv.getValue().values().stream().map(NoiseClaims::last).toList();
            for (int k = 0; k < READS.size(); k++) {
                double[] e = mean(readRows(ends, READS.get(k)), r -> 100 * r.acc(task), r -> stdPoints(r, task));
                vals.get(k)[i] = e[0];
                errs.get(k)[i] = e[1];
            }
            i++;
        }
        s.append(d.figure(new Plots.Bars("noise-accuracy-" + Fmt.slug(opt), "Final probe accuracy per label-noise level, " + opt + seeds,
            "labels per masked context", "accuracy " + task + " (%)", cats, READS.stream().map(r -> task + " " + r).toList(), vals, errs)));
    }

    private static boolean isNoise(ResultRow r) {
        return Experiment.NOISE.is(r.experiment());
    }

    /** Mean over seeds per step (the start at step 0) ± s.e. across seeds. */
    private static Plots.Series series(String name, List<ResultRow> rs, ToDoubleFunction<ResultRow> f, ToDoubleFunction<ResultRow> err) {
        ReportData.Means m = ReportData.overSeeds(rs, r -> isNoise(r) ? r.step() : 0, f, err);
        return Plots.Series.line(name, m.x(), m.y(), m.err());
    }

    /** Each final row as probed by {@code read}: its variant row of that read when measured, else the row itself (the plan's read). */
    private List<ResultRow> readRows(List<ResultRow> ends, String read) {
        List<ResultRow> out = new ArrayList<>();
        for (ResultRow e : ends) {
            ResultRow v = d.rows.stream().filter(r -> isNoise(r) && read.equals(r.variant()) && r.run().equals(e.run())
                && r.seed() == e.seed() && r.step() == e.step()).findFirst().orElse(null);
            out.add(v != null ? v : e);
        }
        return out;
    }

    /** 100·(Tr(end) − Tr(start))/Tr(start) of one seed. */
    private static double relChange(ResultRow end, Map<Long, ResultRow> starts) {
        ResultRow s = starts.get(end.seed());
        return s == null ? Double.NaN : 100 * (end.trH() - s.trH()) / s.trH();
    }

    private static double stdPoints(ResultRow r, String task) {
        ResultRow.Accuracy a = r.accuracy().get(task);
        return a == null ? Double.NaN : 100 * a.std();
    }

    /** Mean over the rows (seeds) ± sd/√n, or with one row its own {@code err}. */
    static double[] mean(List<ResultRow> rs, ToDoubleFunction<ResultRow> f, ToDoubleFunction<ResultRow> err) {
        return Power.meanSe(ReportData.col(rs, f), rs.isEmpty() ? Double.NaN : err.applyAsDouble(rs.get(0)));
    }

    private static String pm(double[] e, int digits) {
        return Fmt.pm(e[0], e[1], digits);
    }

    private static String gpm(double[] e) {
        return Fmt.gpm(e[0], e[1]);
    }

    private static String seedsNote(Map<Level, Map<Long, List<ResultRow>>> levels) {
        int n = levels.values().stream().mapToInt(Map::size).max().orElse(0);
        return n > 1 ? " (mean over " + n + " seeds ± s.e.)" : "";
    }
}
