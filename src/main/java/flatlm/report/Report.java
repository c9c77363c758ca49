package flatlm.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The reproduction report: results.csv, verdicts.csv (one line per claim, {@link Claims}),
 * plots/NAME.png|svg, report.md and a self-contained
 * report.html (the same Markdown converted, PNGs embedded as data URIs), written from the
 * {@link ResultRow}s alone.
 */
public final class Report {
    private Report() {}

    /**
     * What the report needs besides the rows.
     *
     * @param preset              the preset's name (quick, paper, ...)
     * @param outDir              where the report files go (created when missing)
     * @param tasks               probe tasks, the first the main one; empty = the rows' tasks
     * @param saturationKl        KL below which a checkpoint counts as saturated (0.01 nats)
     * @param languageDescription one line describing the language
     * @param reproduceCommand    the command that reproduces everything, e.g. "./flatlm reproduce --preset quick"
     * @param runCommands         experiment, "experiment/run" or run label → the lower-level command, shown under its section
     * @param wallMinutes         wall-clock minutes of the reproduction (null when unknown)
     * @param dyckMarkdown        a dyck.md to include as section 4 (null when not run)
     * @param probeTrain          the main probe training size (the rows of other sizes form the learning curves);
     *                            0 = the largest size in the rows
     */
    public record Context(String preset, Path outDir, List<String> tasks, double saturationKl, String languageDescription,
                          String reproduceCommand, Map<String, String> runCommands, Double wallMinutes, Path dyckMarkdown,
                          int probeTrain) {
        public Context {
            if (outDir == null) throw new IllegalArgumentException("outDir is required");
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
            runCommands = runCommands == null ? Map.of() : Map.copyOf(runCommands);
            preset = preset == null ? "" : preset;
            languageDescription = languageDescription == null ? "" : languageDescription;
            reproduceCommand = reproduceCommand == null ? "./flatlm reproduce" : reproduceCommand;
        }
    }

    /** The files written: results.csv, verdicts.csv, report.md, report.html and every plot (PNG and SVG). */
    public record Written(Path resultsCsv, Path verdictsCsv, Path markdown, Path html, List<Path> plots) {
        public List<Path> files() {
            List<Path> out = new ArrayList<>(List.of(resultsCsv, verdictsCsv, markdown, html));
            out.addAll(plots);
            return out;
        }
    }

    public static Written write(List<ResultRow> rows, Context ctx) throws IOException {
        return write(rows, ctx, ProbeLayers.Input.NONE);
    }

    /** As {@link #write(List, Context)}, with the per-layer probes (section 8, probe_layers.csv) and the main probe's representation. */
    public static Written write(List<ResultRow> rows, Context ctx, ProbeLayers.Input layers) throws IOException {
        Path out = ctx.outDir();
        Files.createDirectories(out);
        List<String> tasks = ResultsCsv.tasks(rows, ctx.tasks());
        Path csv = writeAtomically(out.resolve("results.csv"), ResultsCsv.format(rows, tasks));
        ReportData d = new ReportData(List.copyOf(rows), ctx, tasks);
        Path verdicts = writeAtomically(out.resolve("verdicts.csv"), ClaimTables.csv(d.claims()));
        if (!layers.rows().isEmpty()) writeAtomically(out.resolve("probe_layers.csv"), LayerRow.csv(layers.rows()));
        String md = markdown(d, layers);
        Path mdFile = writeAtomically(out.resolve("report.md"), md);
        Path html = writeAtomically(out.resolve("report.html"), html(md, out, "flatlm report (" + ctx.preset() + ")"));
        return new Written(csv, verdicts, mdFile, html, List.copyOf(d.plots));
    }

    static String markdown(ReportData d) throws IOException {
        return markdown(d, ProbeLayers.Input.NONE);
    }

    static String markdown(ReportData d, ProbeLayers.Input layers) throws IOException {
        ExperimentSections ex = new ExperimentSections(d);
        AnalysisSections an = new AnalysisSections(d);
        ReportData.Section regimes = ex.regimes(), conv = ex.convergence(), size = ex.size(), alg = ex.algorithms(),
            dyck = an.dyck(), lin = an.linear(), stats = an.statistics(), curves = new LearningCurves(d).section(),
            byLayer = new ProbeLayers(d, layers).section(), noise = new NoiseSection(d).section();
        Report.Context c = d.ctx;
        StringBuilder s = new StringBuilder("# Same pre-training loss, better downstream: reproduction report");
        if (!c.preset().isEmpty()) s.append(" (preset ").append(c.preset()).append(')');
        s.append("\n\n");
        if (!c.languageDescription().isEmpty()) s.append("Language: ").append(c.languageDescription()).append(". ");
        if (!d.tasks.isEmpty()) s.append("Probe tasks: ").append(String.join(", ", d.tasks)).append(" (main: ").append(d.tasks.get(0)).append("). ");
        if (layers != ProbeLayers.Input.NONE && !d.tasks.isEmpty())
            s.append("Probe representation (`measure.probeRepresentation`): ").append(ProbeLayers.representations(d.tasks, layers)).append(". ");
        s.append("Saturation: KL < ").append(Fmt.g(c.saturationKl())).append(" nats per token. ");
        if (c.wallMinutes() != null) s.append(String.format(Locale.ROOT, "Wall-clock: %.1f minutes. ", c.wallMinutes()));
        s.append("\n\nReproduce everything: `").append(c.reproduceCommand()).append("`.\n\n");
        long seeds = d.rows.stream().filter(r -> r.seed() >= 0 && Double.isFinite(r.kl())).map(ResultRow::seed).distinct().count();
        s.append("All numbers below are computed from `results.csv` (").append(d.all.size())
            .append(" rows, beside this report; the verdicts also in `verdicts.csv`) by `flatlm report`. Accuracies are "
                + "linear-probe test accuracies in percent, mean ± std over probe seeds")
            .append(d.probeTrain > 0 ? ", with " + d.probeTrain + " probe training examples" : "")
            .append(d.sizes.size() > 1 ? " (section 7 varies it)" : "")
            .append("; Tr(H) and KL are ± their standard errors. Pre-training seeds per run: ")
            .append(seeds > 0 ? Long.toString(seeds) : "1 (not recorded)").append(". ")
            .append(HOW_TO_READ).append("\n\n");
        s.append(measurementQuality(d.all));
        s.append("## Headline\n\n");
        s.append(ClaimTables.table(d.claims()));
        s.append("- **Dyck theory**: ").append(dyck.headline()).append('\n');
        s.append("- **Linear regime**: ").append(lin.headline()).append('\n');
        s.append("- **Statistics**: ").append(stats.headline()).append("\n\n");
        for (ReportData.Section sec : List.of(regimes, conv, size, alg, dyck, lin, stats, curves, byLayer, noise)) s.append(sec.markdown());
        return s.toString();
    }

    /** The verdict rule, as the README states it. */
    static final String HOW_TO_READ = "Each claim compares two models a → b per pre-training seed s (only seeds where both are "
        + "saturated count) and shows the measured change b − a with its own sign beside the sign the paper predicts. The test "
        + "is a paired Student t test on the per-seed changes: mean ± s.e. = sd/√n, df = n − 1 (against the seedless lookup "
        + "table, Welch–Satterthwaite df), two-sided p. The minimum detectable effect at α = 0.05 two-sided and 80 % power is "
        + "MDE = (t_{0.975,df} + t_{0.80,df})·s.e. (5.36 s.e. with 3 seeds, 3.72 with 5, 3.14 with 10). Verdict: *held* when "
        + "the test rejects (p < 0.05) in the paper's direction; *opposite* when it rejects in the other direction; otherwise "
        + "*inconclusive* when the MDE exceeds the paper's effect (the design could not have seen it), else *did not hold* "
        + "(with the MDE); for a claim without a paper number *not detected* (with the MDE). With one pre-training seed a "
        + "claim is *not tested (1 seed)*. Beside each effect, ΔKL = KL(b) − KL(a) of the compared checkpoints (mean ± s.e. "
        + "over seeds), flagged ⚠ when its absolute value exceeds " + Claims.KL_TOLERANCE + " nats (chosen from the measured label-noise floors, BENCHMARKS.md): such a "
        + "comparison is not at equal loss.";

    /**
     * One paragraph on estimates that stopped short of what was asked: Tr(H) estimates that ended
     * on a sample or time budget before their relative standard error target, and probe fits
     * whose solver hit its iteration limit (columns trH_stop and probe_unconverged_TASK). Empty
     * when every estimate reached its target.
     */
    static String measurementQuality(List<ResultRow> rows) {
        java.util.Map<String, Long> stops = new java.util.TreeMap<>();
        long trh = 0;
        for (ResultRow r : rows) {
            if (!Double.isFinite(r.trH())) continue;
            trh++;
            if (!r.trHStop().isEmpty() && !r.trHStop().equals("rel-stderr")) stops.merge(r.trHStop(), 1L, Long::sum);
        }
        long fits = 0, unconverged = 0;
        for (ResultRow r : rows) for (ResultRow.Accuracy a : r.accuracy().values()) {
            fits += a.n();
            unconverged += a.unconverged();
        }
        if (stops.isEmpty() && unconverged == 0) return "";
        StringBuilder s = new StringBuilder("Estimates short of their targets: ");
        if (!stops.isEmpty()) {
            s.append(stops.values().stream().mapToLong(Long::longValue).sum()).append(" of ").append(trh)
                .append(" Tr(H) estimates stopped on a budget before their relative standard error target (");
            s.append(String.join(", ", stops.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList())).append(")");
            s.append(unconverged > 0 ? "; " : ". ");
        }
        if (unconverged > 0) s.append(unconverged).append(" of ").append(fits).append(" probe fits stopped at the solver's iteration limit. ");
        return s.append("See the trH_stop and probe_unconverged_* columns of `results.csv`.\n\n").toString();
    }

    /** A self-contained page: the Markdown converted, PNG images embedded, and a check that every image decoded. */
    static String html(String md, Path baseDir, String title) {
        String body = Markdown.toHtml(md, src -> dataUri(baseDir, src));
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + Markdown.escape(title)
            + "</title>\n<style>\n" + CSS + "</style>\n</head>\n<body>\n<main>\n" + body + "</main>\n<script>\n" + SCRIPT
            + "</script>\n</body>\n</html>\n";
    }

    /** data:image/png;base64,... for a PNG (svg+xml for an SVG) under baseDir, null when absent or remote. */
    static String dataUri(Path baseDir, String src) {
        if (src.startsWith("data:")) return src;
        if (src.contains("://")) return null;
        Path p = baseDir.resolve(src).normalize();
        String lower = src.toLowerCase(Locale.ROOT);
        String type = lower.endsWith(".png") ? "image/png" : lower.endsWith(".svg") ? "image/svg+xml" : null;
        if (type == null || !Files.isRegularFile(p)) return null;
        try {
            return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(p));
        } catch (IOException e) {
            return null;
        }
    }

    static Path writeAtomically(Path target, String content) throws IOException {
        flatlm.util.Io.writeAtomically(target, content);
        return target;
    }

    private static final String CSS = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; line-height: 1.5; color: #222; background: #fff; }
        main { max-width: 1000px; margin: 2em auto; padding: 0 1em; }
        h1 { border-bottom: 2px solid #ddd; padding-bottom: .3em; }
        h2 { border-bottom: 1px solid #eee; padding-bottom: .2em; margin-top: 2em; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; display: block; overflow-x: auto; }
        th, td { border: 1px solid #ccc; padding: .3em .6em; }
        th { background: #f4f4f4; }
        tr:nth-child(even) td { background: #fafafa; }
        img { max-width: 100%; height: auto; display: block; margin: 1em 0; border: 1px solid #eee; }
        code { background: #f4f4f4; padding: 0 .2em; border-radius: 3px; }
        pre { background: #f4f4f4; padding: .8em; overflow-x: auto; }
        pre code { padding: 0; }
        blockquote { border-left: 4px solid #ddd; margin: 0; padding-left: 1em; color: #555; }
        """;

    /** Sets body[data-images] to "ok N" or "broken K of N" once the page has loaded (scripts/check-report-html). */
    private static final String SCRIPT = """
        window.addEventListener('load', function () {
          var imgs = document.images, bad = 0;
          for (var i = 0; i < imgs.length; i++) if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) bad++;
          document.body.dataset.images = bad ? 'broken ' + bad + ' of ' + imgs.length : 'ok ' + imgs.length;
        });
        """;
}
