package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static flatlm.report.SeedRows.TASK;
import static flatlm.report.SeedRows.model;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NoiseClaimsTest {
    static final String TRACE = "label noise (sgd): Tr(H) change with k=4 − with exact targets (difference in differences)";
    static final String ACC = "label noise (sgd): k=4 − exact targets accuracy";

    /**
     * Seeds 1..3: the convergence AdamW run ends at Tr(H) 20; SGD continuations to step 100 (a probeless
     * checkpoint at 50): exact targets end at Tr 18 + s, acc 70, KL 0.005; k=16 between; k=4 ends at
     * Tr 18 + s − drop[s], acc 70 + gain[s], KL {@code klNoisy}.
     */
    static List<ResultRow> rows(double[] drop, double[] gain, double klNoisy) {
        List<ResultRow> rs = new ArrayList<>();
        for (int s = 1; s <= drop.length; s++) {
            rs.add(model("convergence", "adamw", s, 1000, 1000, 0.006, 20, 60));
            for (String[] lv : List.of(new String[] {"sgd-exact", "0"}, new String[] {"sgd-k16", "0.5"}, new String[] {"sgd-k4", "1"})) {
                double f = Double.parseDouble(lv[1]);
                double kl = lv[0].equals("sgd-k4") ? klNoisy : 0.005;
                rs.add(model("noise", lv[0], "", s, 50, 50, kl, 19, Double.NaN, 0).toBuilder().probes(0, java.util.Map.of(), java.util.Map.of()).build());
                rs.add(model("noise", lv[0], s, 100, 100, kl, 18 + s - f * drop[s - 1], 70 + f * gain[s - 1]));
                // the masked read of the same checkpoint: 10 points lower everywhere
                rs.add(model("noise", lv[0], "final/masked", s, 100, 100, kl, 18 + s - f * drop[s - 1], 60 + f * gain[s - 1], 2000));
            }
        }
        return rs;
    }

    static Claims.Claim claim(List<ResultRow> rs, String title) {
        return NoiseClaims.claims(rs, TASK, 0.01).stream().filter(c -> c.claim().equals(title)).findFirst().orElseThrow();
    }

    @Test
    void labelsParseIntoOptimizerAndLevel() {
        assertEquals(new NoiseClaims.Level("sgd", 16), NoiseClaims.Level.parse("sgd-k16"));
        assertTrue(NoiseClaims.Level.parse("my_adamw-exact").exact());
        assertEquals("my_adamw", NoiseClaims.Level.parse("my_adamw-exact").optimizer());
        assertNull(NoiseClaims.Level.parse("sgd-k0"));
        assertNull(NoiseClaims.Level.parse("standard"));
    }

    @Test
    void theDifferenceInDifferencesOfTrHAndTheAccuracyGainArePairedBySeed() {
        // DiD_s = ([Tr_exact − 20] − [Tr_k4 − 20]) / 20 = drop_s / 20: {1, 2, 3} → {5, 10, 15} %, mean 10 ± 5/√3
        List<ResultRow> rs = rows(new double[] {1, 2, 3}, new double[] {2, 3, 4}, 0.007);
        Claims.Claim tr = claim(rs, TRACE);
        assertEquals(3, tr.estimate().n());
        assertEquals(10, tr.estimate().effect(), 1e-9);
        assertEquals(5 / Math.sqrt(3), tr.estimate().se(), 1e-9);
        assertEquals(-10, tr.change(), 1e-9); // the measured change: noise lowered Tr(H) by 10 % of the start more
        // t = 10/(5/√3) = 3.46 < t_0.975,2 = 4.30: not rejected at 3 seeds (the old 2·s.e. rule said "held")
        assertEquals(Power.Outcome.NOT_DETECTED, tr.verdict().outcome());
        assertEquals(Power.Outcome.HELD, claim(rows(new double[] {2, 2.2, 2.4}, new double[] {2, 3, 4}, 0.007), TRACE).verdict().outcome());
        Claims.Claim acc = claim(rs, ACC);
        assertEquals(3, acc.estimate().effect(), 1e-9);
        assertEquals(1 / Math.sqrt(3), acc.estimate().se(), 1e-9);
        assertEquals(Power.Outcome.HELD, acc.verdict().outcome());
        assertEquals(0.002, tr.dkl().mean(), 1e-12);
        assertEquals(0, tr.dkl().std(), 1e-12);
        assertEquals(0.002, acc.dkl().mean(), 1e-12);
        // noise that raises Tr(H) and lowers accuracy: the opposite direction
        List<ResultRow> opp = rows(new double[] {-2, -2.2, -2.4}, new double[] {-2, -3, -4}, 0.007);
        assertEquals(Power.Outcome.OPPOSITE, claim(opp, TRACE).verdict().outcome());
        assertEquals(Power.Outcome.OPPOSITE, claim(opp, ACC).verdict().outcome());
    }

    @Test
    void aNoisyLevelAboveSaturationIsNotAtEqualLossAndTheNextNoisiestIsCompared() {
        // k=4 ends above the threshold on every seed: k=16 (half of k=4's effects) is compared instead
        List<ResultRow> rs = rows(new double[] {1, 2, 3}, new double[] {2, 3, 4}, 0.02);
        Claims.Claim tr = claim(rs, TRACE.replace("k=4", "k=16"));
        assertEquals(5, tr.estimate().effect(), 1e-9); // 0.5·drop_s/20 = {2.5, 5, 7.5} %
        assertTrue(tr.note().contains("noisier levels with fewer saturated pairs: k=4 (0 of 3)"), tr.note());
        assertEquals(1.5, claim(rs, ACC.replace("k=4", "k=16")).estimate().effect(), 1e-9);
        // no noisy level at equal loss: both claims untested
        List<ResultRow> none = rs.stream().filter(r -> !"sgd-k16".equals(r.run())).toList();
        for (String title : List.of(TRACE, ACC)) {
            Claims.Claim c = claim(none, title);
            assertEquals(Power.Outcome.UNTESTED, c.verdict().outcome());
            assertTrue(c.verdict().text().contains(Claims.NOT_AT_EQUAL_LOSS), c.verdict().text());
        }
        // without the exact-target control nothing is compared
        List<ResultRow> noControl = rows(new double[] {1, 2, 3}, new double[] {2, 3, 4}, 0.007).stream()
            .filter(r -> !"sgd-exact".equals(r.run())).toList();
        assertTrue(claim(noControl, ACC).verdict().text().contains("a level is missing"));
    }

    @Test
    void theReportHasTheSectionTheFiguresAndTheVerdictRows(@TempDir Path dir) throws Exception {
        Report.Written w = Report.write(rows(new double[] {1, 2, 3}, new double[] {2, 3, 4}, 0.007), SeedRows.context(dir, 0));
        List<String> verdicts = Files.readAllLines(w.verdictsCsv());
        assertTrue(verdicts.stream().anyMatch(l -> l.startsWith("noise,") && l.contains(TRACE) && l.contains(",not detected")), verdicts.toString());
        assertTrue(verdicts.stream().anyMatch(l -> l.contains(ACC) && l.contains(",held,")), verdicts.toString());
        String md = Files.readString(w.markdown());
        assertTrue(md.contains("## 9 The mechanism: label noise at saturation"), md);
        // the table: k=4 ends at Tr 18 + s − s = 18 on every seed (−10 % of the start's 20), its paper read
        // 72, 73, 74 % (73 ± 1/√3), its masked read 10 points lower
        assertTrue(md.contains("| k=4 | 3 | 0.00600 | 0.00700 ± 0 | 3 of 3 | 20.00 ± 0.00 | 18.00 ± 0.00 | -10.0 ± 0.0 | 73.0 ± 0.6 "
            + "| 63.0 ± 0.6 |"), md);
        assertTrue(md.contains("ΔKL of the compared checkpoints (noisy − exact) +0.002"), md);
        // the pooled statistics count probed models only: 3 convergence + 9 final noise checkpoints, not the 9 probeless ones
        assertTrue(md.contains("**saturated models, as trained** (12 models)"), md);
        for (String p : List.of("noise-trace-sgd", "noise-kl-sgd", "noise-accuracy-sgd")) {
            assertTrue(Files.isRegularFile(dir.resolve("plots/" + p + ".png")), p);
            assertTrue(Files.isRegularFile(dir.resolve("plots/" + p + ".svg")), p);
        }
        // a report without noise rows has no noise claims
        Path other = dir.resolve("other");
        Report.Written w2 = Report.write(rows(new double[] {1}, new double[] {1}, 0.007).stream()
            .filter(r -> !r.experiment().equals("noise")).toList(), SeedRows.context(other, 0));
        assertFalse(Files.readString(w2.verdictsCsv()).contains("noise"));
    }
}
