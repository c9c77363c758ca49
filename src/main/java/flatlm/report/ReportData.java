package flatlm.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The rows and context shared by the report's sections, the figures written so far, and helpers.
 * {@link #all} holds every row (one per model and probe training size: the learning curves);
 * {@link #rows} those of the main probe size, which every other section uses.
 */
final class ReportData {
    final List<ResultRow> all;
    final List<ResultRow> rows;
    /** The main probe training size: the context's when present in the rows, else the largest; 0 when nothing was probed. */
    final int probeTrain;
    /** The probe training sizes in the rows, ascending. */
    final List<Integer> sizes;
    final Report.Context ctx;
    final List<String> tasks;
    final Path plotDir;
    final List<Path> plots = new ArrayList<>();
    private List<Claims.Claim> claims;

    ReportData(List<ResultRow> all, Report.Context ctx, List<String> tasks) {
        this.all = all;
        this.ctx = ctx;
        this.tasks = tasks;
        this.plotDir = ctx.outDir().resolve("plots");
        this.sizes = all.stream().map(ResultRow::probeTrain).filter(n -> n > 0).distinct().sorted().toList();
        this.probeTrain = sizes.contains(ctx.probeTrain()) ? ctx.probeTrain() : sizes.isEmpty() ? 0 : sizes.get(sizes.size() - 1);
        this.rows = all.stream().filter(r -> r.probeTrain() == probeTrain || r.probeTrain() <= 0).toList();
    }

    /** The headline's claims on the main task and probe size (computed once), the noise experiment's last. */
    List<Claims.Claim> claims() {
        if (claims == null) {
            claims = new ArrayList<>(Claims.headline(rows, main() == null ? "" : main(), ctx.saturationKl()));
            claims.addAll(NoiseClaims.claims(rows, main() == null ? "" : main(), ctx.saturationKl()));
        }
        return claims;
    }

    /** One section of the report: its Markdown and a one-line verdict for the headline. */
    record Section(String markdown, String headline) {}

    /** A difference b − a of one pair of models with its combined standard error (verdicts: {@link Power}). */
    record Diff(double d, double se) {
        /** "+1.2 ± 0.4" with a note when there is no error bar. */
        String text(int digits) {
            if (!Double.isFinite(d)) return Fmt.NA;
            return Fmt.signed(d, digits) + (Double.isFinite(se) && se > 0 ? " ± " + Fmt.f(se, digits) : " (no error bar)");
        }
    }

    /** Accuracy difference b − a in percentage points; se = √(s_a²/n_a + s_b²/n_b). */
    static Diff accDiff(ResultRow a, ResultRow b, String task) {
        ResultRow.Accuracy x = a.accuracy().get(task), y = b.accuracy().get(task);
        if (x == null || y == null) return new Diff(Double.NaN, Double.NaN);
        double se = Math.sqrt(sq(x.std()) / Math.max(1, x.n()) + sq(y.std()) / Math.max(1, y.n()));
        return new Diff(100 * (y.mean() - x.mean()), 100 * se);
    }

    /** Tr(H) difference b − a; se = √(se_a² + se_b²). */
    static Diff trDiff(ResultRow a, ResultRow b) {
        return new Diff(b.trH() - a.trH(), Math.sqrt(sq(a.trHStderr()) + sq(b.trHStderr())));
    }

    static Diff klDiff(ResultRow a, ResultRow b) {
        return new Diff(b.kl() - a.kl(), Math.sqrt(sq(a.klStderr()) + sq(b.klStderr())));
    }

    private static double sq(double v) {
        return Double.isFinite(v) ? v * v : 0;
    }

    String main() {
        return tasks.isEmpty() ? null : tasks.get(0);
    }

    boolean saturated(ResultRow r) {
        return Claims.saturated(r, ctx.saturationKl());
    }

    List<ResultRow> of(String experiment) {
        return select(r -> experiment.equals(r.experiment()));
    }

    List<ResultRow> select(Predicate<ResultRow> p) {
        List<ResultRow> out = new ArrayList<>();
        for (ResultRow r : rows) if (p.test(r)) out.add(r);
        return out;
    }

    /** Rows grouped by run label, in order of appearance, each group sorted by step then x. */
    static Map<String, List<ResultRow>> byRun(List<ResultRow> rs) {
        Map<String, List<ResultRow>> out = new LinkedHashMap<>();
        for (ResultRow r : rs) out.computeIfAbsent(String.valueOf(r.run()), k -> new ArrayList<>()).add(r);
        for (List<ResultRow> g : out.values()) g.sort(Comparator.comparingLong(ResultRow::step).thenComparingDouble(ResultRow::x));
        return out;
    }

    /** Rows as trained (variant "") of one experiment. */
    static List<ResultRow> asTrained(List<ResultRow> rs, String experiment) {
        return rs.stream().filter(r -> experiment.equals(r.experiment()) && r.variant().isEmpty()).toList();
    }

    /** Conditions: rows grouped by run (in order of appearance), then by seed (ascending), each group sorted by step then x. */
    static Map<String, Map<Long, List<ResultRow>>> bySeed(List<ResultRow> rs) {
        Map<String, Map<Long, List<ResultRow>>> out = new LinkedHashMap<>();
        for (var run : byRun(rs).entrySet()) {
            Map<Long, List<ResultRow>> m = new java.util.TreeMap<>();
            for (ResultRow r : run.getValue()) m.computeIfAbsent(r.seed(), k -> new ArrayList<>()).add(r);
            out.put(run.getKey(), m);
        }
        return out;
    }

    /** Per key (ascending): the mean of a value over the rows (seeds) with that key, its error bar and the count. */
    record Means(double[] x, double[] y, double[] err, int[] n) {}

    /**
     * Means over seeds: for each distinct key k, y = mean of f over the rows at k with a finite f; err =
     * sd/√n over them when n ≥ 2, else {@code err} of the one row (the probe-seed std, the Tr(H) s.e.).
     */
    static Means overSeeds(List<ResultRow> rs, java.util.function.ToDoubleFunction<ResultRow> key,
                           java.util.function.ToDoubleFunction<ResultRow> f, java.util.function.ToDoubleFunction<ResultRow> err) {
        java.util.TreeMap<Double, List<ResultRow>> g = new java.util.TreeMap<>();
        for (ResultRow r : rs) if (Double.isFinite(f.applyAsDouble(r))) g.computeIfAbsent(key.applyAsDouble(r), k -> new ArrayList<>()).add(r);
        int m = g.size(), i = 0;
        double[] x = new double[m], y = new double[m], e = new double[m];
        int[] n = new int[m];
        for (var en : g.entrySet()) {
            List<ResultRow> l = en.getValue();
            double[] v = col(l, f);
            double[] ms = Power.meanSe(v, err.applyAsDouble(l.get(0)));
            x[i] = en.getKey();
            y[i] = ms[0];
            e[i] = ms[1];
            n[i++] = l.size();
        }
        return new Means(x, y, e, n);
    }

    /** Writes a figure (if it has data) and returns its Markdown image line, or "" when nothing was drawn. */
    String figure(Plots.Figure f) throws IOException {
        return image(Plots.write(f, plotDir), f.title(), f.name());
    }

    String figure(Plots.Bars b) throws IOException {
        return image(Plots.write(b, plotDir), b.title(), b.name());
    }

    private String image(List<Path> written, String title, String name) {
        if (written.isEmpty()) return "";
        plots.addAll(written);
        return "![" + title.replace("[", "(").replace("]", ")") + "](plots/" + name + ".png)\n\n";
    }

    /** The commands that reproduce one experiment: the context's entries for it and its runs. */
    String commands(String experiment, List<ResultRow> rs) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add(experiment);
        for (ResultRow r : rs) {
            keys.add(experiment + "/" + r.run());
            keys.add(String.valueOf(r.run()));
        }
        StringBuilder s = new StringBuilder();
        for (String k : keys) {
            String c = ctx.runCommands().get(k);
            if (c != null) s.append(c).append('\n');
        }
        if (s.length() == 0) s.append(ctx.reproduceCommand()).append("   # the whole reproduction\n");
        return "Reproduce:\n\n```\n" + s + "```\n\n";
    }

    /** The rows' values as arrays. */
    static double[] col(List<ResultRow> rs, java.util.function.ToDoubleFunction<ResultRow> f) {
        double[] out = new double[rs.size()];
        for (int i = 0; i < out.length; i++) out[i] = f.applyAsDouble(rs.get(i));
        return out;
    }

    static double[] pct(List<ResultRow> rs, String task) {
        return col(rs, r -> 100 * r.acc(task));
    }

    static double[] pctStd(List<ResultRow> rs, String task) {
        return col(rs, r -> {
            ResultRow.Accuracy a = r.accuracy().get(task);
            return a == null ? Double.NaN : 100 * a.std();
        });
    }

    /** Spearman's ρ of two columns with its bootstrap interval. */
    static Statistics.Interval spearman(double[] a, double[] b) {
        return Statistics.bootstrap(new double[][] {a, b}, c -> Statistics.spearman(c[0], c[1]));
    }

    static Statistics.Interval pearson(double[] a, double[] b) {
        return Statistics.bootstrap(new double[][] {a, b}, c -> Statistics.pearson(c[0], c[1]));
    }

    /** "ρ = 0.80 [0.20, 1.00], n = 6" or a note when n is too small. */
    static String corr(String symbol, Statistics.Interval i) {
        String base = symbol + " = " + Fmt.ci(i, 2) + ", n = " + i.n();
        return i.n() < 4 ? base + " (n < 4: too few to mean anything)" : base;
    }
}
