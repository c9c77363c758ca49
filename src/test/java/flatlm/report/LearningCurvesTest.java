package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static flatlm.report.SeedRows.lookup;
import static flatlm.report.SeedRows.model;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningCurvesTest {
    static final int[] SIZES = {100, 1000, 10000};

    /**
     * Three seeds, three probe sizes. Past convergence the last checkpoint gains 0 points at 100 examples, 2.5 at 1000 and
     * 5 at 10000 (± 0.5 across seeds); standard beats adversarial by 8; the lookup table has 70 ± 2.
     */
    static List<ResultRow> rows() {
        List<ResultRow> rs = new ArrayList<>();
        for (int k = 0; k < SIZES.length; k++) {
            int n = SIZES[k];
            double gain = 2.5 * k;
            for (int s = 1; s <= 3; s++) {
                double noise = 0.5 * (s - 2);
                rs.add(model("convergence", "adamw", "", s, 2000, 2000, 0.005, 20, 60 + k, n));
                rs.add(model("convergence", "adamw", "", s, 4000, 4000, 0.003, 10, 60 + k + gain + noise, n));
                rs.add(model("size", "d32", "", s, 5000, 32, 0.005, 25, 40 + k, n));
                rs.add(model("size", "d64", "", s, 5000, 64, 0.005, 20, 50 + k + noise, n));
                rs.add(model("algorithms", "standard", "", s, 2000, 2000, 0.005, 8, 80 + k + noise, n));
                rs.add(model("algorithms", "adversarial", "", s, 2000, 2000, 0.006, 19, 72 + k, n));
            }
            rs.add(lookup(70, 2, 4, n));
        }
        return rs;
    }

    static String cells(String md, String rowStart) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(rowStart) + "(.*)$").matcher(md);
        assertTrue(m.find(), "no row " + rowStart);
        return m.group(1);
    }

    static String headlineVerdict(String md, String claim) {
        String[] cells = cells(md, "| " + claim + " |").split("\\|");
        return cells[cells.length - 1].strip();
    }

    @Test
    void curvesTablesPlotAndComparisonsPerSize(@TempDir Path dir) throws Exception {
        Report.Written w = Report.write(rows(), SeedRows.context(dir, 0));
        String md = Files.readString(w.markdown());
        assertTrue(md.contains("## 7 Learning curves (probe training size)"), md);
        assertTrue(md.contains("(plots/learning-curves.png)"));
        assertTrue(w.plots().contains(dir.resolve("plots/learning-curves.png")) && w.plots().contains(dir.resolve("plots/learning-curves.svg")));
        PlotsTest.assertPngAndSvg(dir.resolve("plots"), "learning-curves");
        // accuracy per size: mean over 3 seeds ± sd/√3 (sd 0.5 → 0.29); the lookup table ± its probe-seed std
        assertTrue(cells(md, "| convergence/adamw |").startsWith(" 3 | 60.0 ± 0.3 | 63.5 ± 0.3 | 67.0 ± 0.3 |"), md);
        assertTrue(cells(md, "| lookup table |").startsWith(" 1 | 70.0 ± 2.0 | 70.0 ± 2.0 | 70.0 ± 2.0 |"), md);
        for (String c : List.of("convergence/adamw", "size/d32", "size/d64", "algorithms/standard", "algorithms/adversarial")) {
            assertTrue(md.contains("| " + c + " | 3 |"), c);
        }
        // probe CE = 2 − acc: at 10000 examples 2 − 0.67 = 1.330 ± 0.003
        assertTrue(md.contains("| 1.330 ± 0.003 |"), md);
        // the paired comparison at every size: Δ = {−0.5, 0, 0.5} at 100 examples (t 0, p 1; mde80 5.364·0.289 = 1.5),
        // 5 + the same at 10000 (t = 17.3, df 2: p = 0.003)
        String[] conv = cells(md, "| past convergence: accuracy rises (adamw) (points) |").split("\\|");
        assertEquals(" +0.0 ± 0.3 (pred. +), p 1.000, mde80 1.5, n 3: did not hold ", conv[0]);
        assertEquals(" +5.0 ± 0.3 (pred. +), p 0.003, mde80 1.5, n 3: held ", conv[2]);
        assertTrue(cells(md, "| past convergence: probe CE falls (adamw) (nats) |").contains("n 3: held"));
        assertTrue(cells(md, "| model size: probe CE falls with width (nats) |").endsWith("−0.100 ± 0.003 (pred. −), p < 0.001, mde80 0.015, n 3: held |"),
            cells(md, "| model size: probe CE falls with width (nats) |"));
        assertTrue(cells(md, "| algorithms: standard − adversarial accuracy (points) |").contains("+8.0 ± 0.3"));
        // probe CE: standard − lookup table, predicted to fall (CE = 2 − acc: −(80 + k − 70)/100 = −0.12 at 10000;
        // se: the seeds' sd 0.005 → 0.005/√3 = 0.0029, the lookup table's 0.01/√4 = 0.005, together 0.006)
        String ce = cells(md, "| algorithms: standard − lookup table probe CE (nats) |");
        assertTrue(ce.contains("−0.120 ± 0.006 (pred. −)") && ce.endsWith("n 3: held |"), ce);
        assertTrue(cells(md, "| algorithms: standard − adversarial probe CE (nats) |").endsWith("−0.080 ± 0.003 (pred. −), p 0.001, mde80 0.015, n 3: held |"),
            cells(md, "| algorithms: standard − adversarial probe CE (nats) |"));
        // the other sections use the main size only (0 = the largest): 2 checkpoints per seed, not 6
        assertTrue(md.contains("| convergence | adamw | 1 | 2 |"), md);
        assertTrue(md.contains("with 10000 probe training examples"));
        assertEquals("held", headlineVerdict(md, "past convergence: accuracy rises (adamw)"));
    }

    @Test
    void contextChoosesTheMainSize(@TempDir Path dir) throws Exception {
        Report.write(rows(), SeedRows.context(dir, 100));
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("with 100 probe training examples"));
        assertTrue(headlineVerdict(md, "past convergence: accuracy rises (adamw)").startsWith("did not hold"), md);
        // a size absent from the rows falls back to the largest
        Report.write(rows(), SeedRows.context(dir, 555));
        assertTrue(Files.readString(dir.resolve("report.md")).contains("with 10000 probe training examples"));
    }

    @Test
    void oneSizeHasNoSection(@TempDir Path dir) throws Exception {
        List<ResultRow> one = rows().stream().filter(r -> r.probeTrain() == 1000).toList();
        Report.Written w = Report.write(one, SeedRows.context(dir, 0));
        assertFalse(Files.readString(w.markdown()).contains("Learning curves"));
        assertFalse(Files.exists(dir.resolve("plots/learning-curves.png")));
    }
}
