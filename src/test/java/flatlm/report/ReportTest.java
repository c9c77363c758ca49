package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    static final double H = 3.0, NAN = Double.NaN;

    static ResultRow row(String exp, String run, String variant, long step, double x, double kl, double trH,
                         double accA, double accB) {
        return row(exp, run, variant, 1, step, x, kl, trH, accA, accB);
    }

    static ResultRow row(String exp, String run, String variant, long seed, long step, double x, double kl, double trH,
                         double accA, double accB) {
        Map<String, ResultRow.Accuracy> acc = new LinkedHashMap<>();
        if (!Double.isNaN(accA)) acc.put("pcfg:A", new ResultRow.Accuracy(accA / 100, 0.005, 5));
        if (!Double.isNaN(accB)) acc.put("pcfg:B", new ResultRow.Accuracy(accB / 100, 0.01, 5));
        Map<String, Double> bayes = Map.of("pcfg:A", 0.95, "pcfg:B", 0.7);
        return ResultRow.builder().model(exp, run, variant).at(seed, step, x).parameters(1000)
            .loss(H + kl, H, kl, Double.isNaN(kl) ? NAN : 0.0005).saturated(kl < 0.01)
            .trace(trH, Double.isNaN(trH) ? NAN : 0.2, Double.isNaN(trH) ? null : "fisher", "").probes(2000, acc, bayes)
            .checkpoint(Double.isNaN(kl) ? null : exp + "/" + run + "/step-" + step).build();
    }

    /**
     * Rows of every experiment, three pre-training seeds of every compared model (seed noise 0.3 points, 0.2 in Tr(H));
     * {@code effect} makes accuracy rise with flatness at saturation, otherwise flat.
     */
    static List<ResultRow> rows(boolean effect, boolean algorithms, boolean pruning) {
        List<ResultRow> rs = new ArrayList<>();
        java.util.Random noise = new java.util.Random(5); // without the effect, Tr(H) is unrelated to accuracy
        java.util.Random seedNoise = new java.util.Random(11);
        for (long seed = 1; seed <= 3; seed++) {
            for (int k = 0; k <= 10; k++) {
                long step = 1000L * k;
                double kl = Math.pow(10, -step / 2500.0), sat = Math.max(0, k - 5), e = 0.3 * seedNoise.nextGaussian();
                double acc = 30 + 40 * (1 - kl) + (effect ? 1.5 * sat : 0.1 * (k % 2)) + e;
                double tr = (effect ? 20 - 2 * sat : 15 + 0.1 * (k % 2) + (k > 5 ? 4 * noise.nextDouble() : 0)) + 0.2 * seedNoise.nextGaussian();
                rs.add(row("convergence", "adamw", "", seed, step, step, kl, tr, acc, acc / 2));
            }
            for (int k = 1; k <= 4; k++) {
                double e = 0.3 * seedNoise.nextGaussian();
                double acc = (effect ? 77.5 + 1.5 * k : 70.1) + e, tr = (effect ? 10 - k : 15 + 4 * noise.nextDouble()) + 0.2 * seedNoise.nextGaussian();
                rs.add(row("convergence", "sgd", "", seed, 1000L * k, 10000 + 1000 * k, 0.004, tr, acc, acc / 2));
            }
            double[] ds = {32, 48, 64};
            for (int i = 0; i < 3; i++) {
                double acc = (effect ? 40 + 5 * i : 45 + 0.1 * i) + 0.3 * seedNoise.nextGaussian();
                double tr = (effect ? 20 - 4 * i : 16) + 0.2 * seedNoise.nextGaussian();
                rs.add(row("size", "d" + (int) ds[i], "", seed, 5000, ds[i], 0.005, effect ? tr + 3 : 15 + 4 * noise.nextDouble(), acc,
                    acc - 10));
                ResultRow em = row("size", "d" + (int) ds[i], "embedded", seed, 5000, ds[i], 0.005, tr, acc, acc - 10);
                rs.add(em.toBuilder().parameters(9999).checkpoint(null).build());
            }
            if (algorithms) {
                double e = 0.3 * seedNoise.nextGaussian(), t = 0.2 * seedNoise.nextGaussian();
                rs.add(row("algorithms", "standard", "", seed, 2000, 2000, 0.005, (effect ? 8 : 17) + t, (effect ? 80 : 75) + e, 49));
                rs.add(row("algorithms", "sam", "", seed, 2000, 2000, 0.006, effect ? 6 : 15 + 4 * noise.nextDouble(), effect ? 82 : 75, 50));
                rs.add(row("algorithms", "adversarial", "", seed, 2000, 2000, 0.006, effect ? 19 : 17.1, effect ? 72 : 75, 42));
                rs.add(row("algorithms", "exact-target", "", seed, 2000, 2000, 0.004, NAN, 79, NAN));
            }
        }
        if (algorithms) rs.add(row("algorithms", "lookup", "", -1, -1, NAN, NAN, 65, 39));
        if (pruning) {
            for (int k = 0; k <= 9; k++) {
                double s = k / 10.0, kl = 0.005 + 2 * s * s;
                double acc = 80 - 30 * kl + (k % 3 - 1) * 0.5;
                rs.add(row("pruning", "prune", String.format(java.util.Locale.ROOT, "sparsity-%.2f", s), 10000, s, kl, NAN, acc, acc / 2));
            }
        }
        return rs;
    }

    static Report.Context context(Path out, Path dyck) {
        return new Report.Context("test", out, List.of("pcfg:A", "pcfg:B"), 0.01, "PCFG (authors' grammar)",
            "./flatlm reproduce --preset quick", Map.of("convergence", "./flatlm pretrain --out runs/adamw",
                "sgd", "./flatlm pretrain --resume runs/adamw --optimizer.name sgd"), 3.5, dyck, 2000);
    }

    static Path dyckDir(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("dyck"));
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("dyck-trace.png").toFile());
        Files.writeString(dir.resolve("dyck.md"), "## Experiment 4: the Dyck-language theorem (paper Section 6)\n\n"
            + "### Findings\n\n- the transferable solution is the flattest (Tr(H) **0.75** vs 1.2).\n- second\n\n"
            + "| solution | Tr(H) |\n|---|---:|\n| transferable | 0.75 |\n\n![Tr(H) per solution](dyck-trace.png)\n\n"
            + "Reproduce: `flatlm dyck --n 8 --out DIR`\n");
        return dir.resolve("dyck.md");
    }

    private static final Pattern IMG_MD = Pattern.compile("!\\[[^\\]]*]\\(([^)]+)\\)");
    private static final Pattern IMG_HTML = Pattern.compile("<img\\s[^>]*src=\"([^\"]*)\"");

    @Test
    void writesEveryFileWithEmbeddedImages() throws Exception {
        Path out = Path.of("target", "report-test");
        Path dyck = dyckDir(Path.of("target", "report-test-dyck"));
        List<ResultRow> rows = rows(true, true, true);
        Report.Written w = Report.write(rows, context(out, dyck));
        for (Path p : w.files()) assertTrue(Files.isRegularFile(p), p.toString());
        assertTrue(w.plots().size() >= 16, w.plots().toString());

        String md = Files.readString(out.resolve("report.md"));
        Matcher m = IMG_MD.matcher(md);
        int images = 0;
        while (m.find()) {
            images++;
            assertTrue(Files.isRegularFile(out.resolve(m.group(1))), "missing " + m.group(1));
        }
        assertTrue(md.contains("(../report-test-dyck/dyck/dyck-trace.png)"), "dyck image path not rewritten");
        for (String s : List.of("## Headline", "## Regimes", "## 1 Training past convergence", "## 2 Model size", "## 3 Algorithms",
            "## 4 Dyck theory", "### Experiment 4", "## 5 Linear regime", "## 6 Statistics", "results.csv", "flatlm report",
            "./flatlm pretrain --resume runs/adamw --optimizer.name sgd", "held at our scale", "transferable solution is the flattest",
            "| n (clusters) |", "draws whole (run × seed) clusters", Report.HOW_TO_READ)) {
            assertTrue(md.contains(s), "report.md lacks " + s);
        }

        String html = Files.readString(out.resolve("report.html"));
        Matcher h = IMG_HTML.matcher(html);
        int htmlImages = 0;
        while (h.find()) {
            htmlImages++;
            String src = h.group(1);
            assertTrue(src.startsWith("data:image/png;base64,"), src.substring(0, Math.min(50, src.length())));
            byte[] png = Base64.getDecoder().decode(src.substring("data:image/png;base64,".length()));
            assertNotNull(ImageIO.read(new ByteArrayInputStream(png)));
        }
        assertEquals(images, htmlImages);
        assertTrue(html.contains("document.body.dataset.images") && html.contains("<table>"));
        assertFalse(html.contains("src=\"plots/") || html.contains("src=\"http"));

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(rows.size() + 1, csv.size());
        for (String c : List.of("acc_pcfg:A_mean", "acc_pcfg:A_std", "bayes_pcfg:A", "acc_pcfg:B_mean")) {
            assertTrue(csv.get(0).contains(c), c);
        }
        assertEquals(rows, ResultsCsv.read(out.resolve("results.csv")));
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    static String headline(String md, String name) {
        Matcher m = Pattern.compile("- \\*\\*" + Pattern.quote(name) + "\\*\\*: (.*)").matcher(md);
        assertTrue(m.find(), name);
        return m.group(1);
    }

    @Test
    void verdictsFollowTheData(@TempDir Path dir) throws Exception {
        Report.write(rows(true, true, true), context(dir.resolve("effect"), null));
        Report.write(rows(false, true, true), context(dir.resolve("none"), null));
        String yes = Files.readString(dir.resolve("effect/report.md")), no = Files.readString(dir.resolve("none/report.md"));
        assertTrue(yes.contains("| claim | paper | predicted | measured change ± s.e. | t (df), p | MDE at 80 % power | "
            + "ΔKL ± s.e. (nats) | verdict |"), yes);
        assertFalse(yes.contains("- **Past convergence**"), "the table replaces the old headline bullets");
        // every headline row has the table's 8 cells, a flagged ΔKL included (convergence: KL 0.004 → 0.0001)
        String table = yes.substring(yes.indexOf("| claim | paper |"), yes.indexOf("\n\n", yes.indexOf("| claim | paper |")));
        assertTrue(table.contains("⚠ beyond 0.002"), table);
        for (String line : table.split("\n")) assertEquals(9, line.chars().filter(c -> c == '|').count(), line);
        for (String claim : List.of("past convergence: accuracy rises (adamw)", "past convergence: accuracy rises (sgd)",
            "model size: accuracy rises with width", "algorithms: standard − adversarial accuracy")) {
            assertEquals("held", LearningCurvesTest.headlineVerdict(yes, claim), claim);
            assertTrue(LearningCurvesTest.headlineVerdict(no, claim).startsWith("did not hold"), claim);
        }
        assertEquals("held", LearningCurvesTest.headlineVerdict(yes, "algorithms: adversarial Tr(H) larger than standard"));
        assertEquals("held", LearningCurvesTest.headlineVerdict(yes, "model size: embedded Tr(H) falls with width"));
        assertEquals("held", LearningCurvesTest.headlineVerdict(yes, "past convergence: Tr(H) falls (adamw)"));
        assertTrue(headline(yes, "Linear regime").startsWith("the line holds away from saturation"), headline(yes, "Linear regime"));
        assertTrue(headline(yes, "Statistics").startsWith("held at our scale"), headline(yes, "Statistics"));
        assertFalse(headline(no, "Statistics").startsWith("held at our scale"), headline(no, "Statistics"));
    }

    @Test
    void absentExperimentsAndNaNsDoNotCrash(@TempDir Path dir) throws Exception {
        Report.Written w = Report.write(rows(true, false, false), context(dir, dir.resolve("no-such/dyck.md")));
        String md = Files.readString(w.markdown());
        assertTrue(md.contains("Not run in this reproduction (no `algorithms` rows"), md);
        assertTrue(md.contains("## 4 Dyck theory") && headline(md, "Dyck theory").equals("not run"));
        assertEquals("could not be tested (not run)", LearningCurvesTest.headlineVerdict(md, "algorithms: standard − adversarial accuracy"));
        assertFalse(md.contains("Learning curves"), "one probe size: no learning-curve section");
        // only NaN rows and no rows at all
        Report.write(List.of(row("algorithms", "lookup", "", -1, -1, NAN, NAN, NAN, NAN)), context(dir.resolve("nan"), null));
        Report.Written empty = Report.write(List.of(), context(dir.resolve("empty"), null));
        assertEquals(1, Files.readAllLines(empty.resultsCsv()).size());
        assertTrue(Files.readString(empty.html()).contains("not run"));
        // a second write over the first replaces the files
        Report.write(rows(false, true, true), context(dir, null));
        assertTrue(Files.readString(w.markdown()).contains("## 3 Algorithms\n\n**Paper**"));
        assertFalse(Files.readString(w.markdown()).contains("Not run in this reproduction (no `algorithms`"));
    }

    @Test
    void markdownSubsetConverts() {
        String html = Markdown.toHtml("# T\n\npara **b** *i* `a<b` [l](http://x)\n\n- one\n- two\n\n1. a\n2. b\n\n"
            + "| a | b |\n|---|---:|\n| 1 | 2 |\n\n```\ncode <x>\n```\n\n> quote\n\n![alt](p.png)\n", src -> null);
        for (String s : List.of("<h1 id=\"t\">T</h1>", "<strong>b</strong>", "<em>i</em>", "<code>a&lt;b</code>",
            "<a href=\"http://x\">l</a>", "<ul>\n<li>one</li>", "<ol>\n<li>a</li>", "<th>a</th><th style=\"text-align:right\">b</th>",
            "<td style=\"text-align:right\">2</td>", "<pre><code>code &lt;x&gt;\n</code></pre>", "<blockquote><p>quote</p>",
            "<em>[alt: image not found]</em>")) {
            assertTrue(html.contains(s), s + " in\n" + html);
        }
        assertTrue(Markdown.toHtml("acc_pcfg_A and 2*3*4", s -> null).contains("acc_pcfg_A and 2*3*4"));
    }
}
