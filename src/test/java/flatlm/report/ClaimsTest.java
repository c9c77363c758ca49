package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static flatlm.report.SeedRows.TASK;
import static flatlm.report.SeedRows.lookup;
import static flatlm.report.SeedRows.model;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClaimsTest {
    /** Standard and adversarial continuations of seeds 1..3: acc(adversarial) = 70, acc(standard) = 70 + Δ_s. */
    static List<ResultRow> algorithms(double[] delta, double klAdversarial) {
        List<ResultRow> rs = new ArrayList<>();
        for (int s = 1; s <= delta.length; s++) {
            rs.add(model("algorithms", "standard", s, 2000, 2000, 0.005, 8, 70 + delta[s - 1]));
            rs.add(model("algorithms", "adversarial", s, 2000, 2000, klAdversarial, 19, 70));
        }
        return rs;
    }

    static Claims.Claim claim(List<ResultRow> rs, String title) {
        return Claims.headline(rs, TASK, 0.01).stream().filter(c -> c.claim().equals(title)).findFirst().orElseThrow();
    }

    static final String ADV = "algorithms: standard − adversarial accuracy";

    @Test
    void everyVerdictClassOnThreeSeeds() {
        // Δ = {7, 8, 9}: 8 ± 1/√3 = 0.577, beyond 2 s.e.
        Claims.Claim held = claim(algorithms(new double[] {7, 8, 9}, 0.006), ADV);
        assertEquals(Power.Outcome.HELD, held.verdict().outcome());
        assertEquals(3, held.estimate().n());
        assertEquals(8, held.estimate().effect(), 1e-9);
        assertEquals(1 / Math.sqrt(3), held.estimate().se(), 1e-9);
        // Δ = {0.1, −0.1, 0}: 0 ± 0.058, mde80 0.31 ≤ the paper's 6.8
        assertEquals(Power.Outcome.DID_NOT_HOLD, claim(algorithms(new double[] {0.1, -0.1, 0}, 0.006), ADV).verdict().outcome());
        // Δ = {−10, 0, 13}: 1 ± √(133/3) = 6.66, mde80 = (t_0.975,2 + t_0.80,2)·6.66 = 35.7 > 6.8
        Claims.Claim inc = claim(algorithms(new double[] {-10, 0, 13}, 0.006), ADV);
        assertEquals(Power.Outcome.INCONCLUSIVE, inc.verdict().outcome());
        assertEquals(flatlm.stats.TTest.mde80(Math.sqrt(133.0 / 3), 2), inc.estimate().mde80(), 1e-9);
        assertEquals(35.7, inc.estimate().mde80(), 0.05);
        // Δ = {−5, −6, −7}: −6 ± 0.577
        Claims.Claim opp = claim(algorithms(new double[] {-5, -6, -7}, 0.006), ADV);
        assertEquals(Power.Outcome.OPPOSITE, opp.verdict().outcome());
        assertEquals("opposite", opp.verdict().text());
        assertEquals(-6, opp.change(), 1e-9);
        // Tr(H): (19 − 8)/8 = 137.5 % on every seed, against the paper's 141 %
        Claims.Claim tr = claim(algorithms(new double[] {7, 8, 9}, 0.006), "algorithms: adversarial Tr(H) larger than standard");
        assertEquals(137.5, tr.estimate().effect(), 1e-9);
        assertEquals(137.5, tr.change(), 1e-9); // predicted +: the change is the effect
        assertEquals(Power.Outcome.HELD, tr.verdict().outcome());
        // ΔKL = KL(standard) − KL(adversarial) = −0.001 on every seed: within the tolerance
        assertEquals(-0.001, held.dkl().mean(), 1e-12);
        assertEquals(false, held.klDiffers());
    }

    @Test
    void onlySeedsAtEqualLossCount() {
        Claims.Claim none = claim(algorithms(new double[] {7, 8, 9}, 0.05), ADV);
        assertEquals("could not be tested (not at equal loss)", none.verdict().text());
        List<ResultRow> rs = new ArrayList<>(algorithms(new double[] {7, 8, 9}, 0.05));
        rs.replaceAll(r -> r.seed() == 2 && r.run().equals("adversarial") ? model("algorithms", "adversarial", 2, 2000, 2000, 0.006, 19, 70) : r);
        Claims.Claim one = claim(rs, ADV);
        assertEquals(1, one.estimate().n());
        assertEquals(8, one.estimate().effect(), 1e-9);
        // one pre-training seed: no paired test (the probe-seed s.e. is not a stand-in for the seeds' spread)
        assertEquals("not tested (1 seed)", one.verdict().text());
        assertEquals("+8.0 points (1 seed)", one.ours());
        assertTrue(one.note().contains("1 of 3 seeds (2 lost"), one.note());
    }

    @Test
    void checkpointsAtDifferentLossAreFlagged() {
        // adversarial KL 0.009 vs standard 0.005: ΔKL = −0.004 on every seed, beyond the tolerance 0.002
        Claims.Claim c = claim(algorithms(new double[] {7, 8, 9}, 0.009), ADV);
        assertEquals(-0.004, c.dkl().mean(), 1e-12);
        assertTrue(c.klDiffers());
        assertEquals("−0.0040 ± 0.0000 ⚠ beyond 0.002", c.klText());
        assertEquals(Power.Outcome.HELD, c.verdict().outcome()); // the verdict is the test's; the flag stands beside it
    }

    @Test
    void lookupSideUsesItsProbeStandardError() {
        List<ResultRow> rs = new ArrayList<>();
        for (int s = 1; s <= 3; s++) rs.add(model("algorithms", "standard", s, 2000, 2000, 0.005, 8, 78 + 2 * s));
        rs.add(lookup(70, 2, 4, 2000)); // se_lookup = 2/√4 = 1 point
        Claims.Claim c = claim(rs, "algorithms: standard − lookup table accuracy");
        // Δ = {10, 12, 14}: 12 ± √(2²/3 + 1²) = √(7/3)
        assertEquals(3, c.estimate().n());
        assertEquals(12, c.estimate().effect(), 1e-9);
        assertEquals(Math.sqrt(7.0 / 3), c.estimate().se(), 1e-9);
        assertEquals(49.0 / 11, c.estimate().df(), 1e-9); // Welch–Satterthwaite: (4/3 + 1)²/((4/3)²/2 + 1/3)
        assertEquals(Power.Outcome.HELD, c.verdict().outcome()); // t = 7.9, p < 0.001
        assertTrue(Double.isNaN(c.dkl().mean()), "the lookup table has no KL");
    }

    @Test
    void convergenceAndSizePairBySeed() {
        List<ResultRow> rs = new ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            rs.add(model("convergence", "adamw", s, 1000, 1000, 0.5, 30, 40));          // not saturated: left out
            rs.add(model("convergence", "adamw", s, 2000, 2000, 0.005, 20, 60));
            rs.add(model("convergence", "adamw", s, 3000, 3000, 0.004, 18, 61));
            rs.add(model("convergence", "adamw", s, 4000, 4000, 0.003, 10, 60 + s));    // Δ_s = s: {1, 2, 3}
            rs.add(model("size", "d32", s, 5000, 32, 0.005, 25, 40));
            rs.add(model("size", "d64", s, 5000, 64, 0.005, 20, 48 + s));               // Δ_s = 8 + s
            rs.add(model("size", "d32", "embedded", s, 5000, 32, 0.005, 20, 40, 2000));
            rs.add(model("size", "d64", "embedded", s, 5000, 64, 0.005, 12, 48 + s, 2000));
        }
        Claims.Claim conv = claim(rs, "past convergence: accuracy rises (adamw)");
        assertEquals(3, conv.estimate().n());
        assertEquals(2, conv.estimate().effect(), 1e-9);
        assertEquals(1 / Math.sqrt(3), conv.estimate().se(), 1e-9); // sd({1, 2, 3}) = 1
        assertTrue(conv.note().contains("steps 2000 → 4000"), conv.note());
        Claims.Claim tr = claim(rs, "past convergence: Tr(H) falls (adamw)");
        assertEquals(50, tr.estimate().effect(), 1e-9); // in the paper's direction: (20 − 10)/20
        assertEquals(-50, tr.change(), 1e-9);           // as measured: Tr(H) fell by 50 %
        assertEquals("−", tr.predictedSign());
        assertTrue(tr.ours().startsWith("−50.0 ± 0.0 %"), tr.ours());
        assertEquals(-0.002, conv.dkl().mean(), 1e-12); // KL 0.005 → 0.003
        Claims.Claim size = claim(rs, "model size: accuracy rises with width");
        assertEquals(10, size.estimate().effect(), 1e-9);
        assertEquals(Power.Outcome.HELD, size.verdict().outcome()); // 10 ± 0.58
        Claims.Claim emb = claim(rs, "model size: embedded Tr(H) falls with width");
        assertEquals(40, emb.estimate().effect(), 1e-9); // (20 − 12)/20, the embedded rows
        assertEquals(-40, emb.change(), 1e-9);
    }

    @Test
    void sizeComparesTheSmallestAndLargestWidthOfThePlanOverSeedsSaturatedAtBoth() {
        // widths 16, 32, 64; seeds 1, 4 saturated at every width; seed 2 not at 64, seed 3 not at 16. The old pairing
        // (each seed's smallest and largest saturated width) pooled 16 → 64, 16 → 32 and 32 → 64.
        List<ResultRow> rs = new ArrayList<>();
        for (int s = 1; s <= 4; s++) {
            rs.add(model("size", "d16", s, 5000, 16, s == 3 ? 0.02 : 0.005, 30, 40));
            rs.add(model("size", "d32", s, 5000, 32, 0.005, 25, 45));
            rs.add(model("size", "d64", s, 5000, 64, s == 2 ? 0.02 : 0.005, 20, 50 + s));
        }
        Claims.Claim size = claim(rs, "model size: accuracy rises with width");
        assertEquals(2, size.estimate().n());
        assertEquals(12.5, size.change(), 1e-9); // seeds 1 and 4: 51 − 40, 54 − 40
        assertEquals("d 16 → 64, 2 of 4 seeds (2 lost: not saturated at both widths)", size.note());
        // one seed left: not tested; none: not at equal loss
        List<ResultRow> one = rs.stream().filter(r -> r.seed() != 4).toList();
        assertEquals("not tested (1 seed)", claim(one, "model size: accuracy rises with width").verdict().text());
        List<ResultRow> none = rs.stream().filter(r -> r.seed() == 2 || r.seed() == 3).toList();
        assertEquals("could not be tested (not at equal loss)", claim(none, "model size: accuracy rises with width").verdict().text());
    }

    @Test
    void runsArePickedByAlgorithmNotLabel() {
        List<ResultRow> rs = new ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            // labelled "exact-target" but trained with data labels: not the exact-target condition
            rs.add(model("algorithms", "exact-target", s, 2000, 2000, 0.005, 8, 75).withTraining("standard", 1));
            rs.add(model("algorithms", "adv", s, 2000, 2000, 0.005, 9, 70 + s).withTraining("adversarial", 1));
            rs.add(model("algorithms", "noise-free", s, 2000, 2000, 0.005, 8, 80).withTraining("exact-target", Double.POSITIVE_INFINITY));
            rs.add(model("algorithms", "adversarial-exact-target", s, 2000, 2000, 0.005, 19, 72)
                .withTraining("adversarial-exact-target", Double.POSITIVE_INFINITY));
        }
        Claims.Claim std = claim(rs, "algorithms: standard [exact-target] − adversarial [adv] accuracy");
        assertEquals(3, std.change(), 1e-9); // 75 − (71, 72, 73)
        Claims.Claim exact = claim(rs, "algorithms: exact-target [noise-free] − adversarial-exact-target accuracy");
        assertEquals(8, exact.change(), 1e-9);
        assertTrue(exact.note().startsWith("adversarial-exact-target → exact-target [noise-free]"), exact.note());
    }

    @Test
    void verdictsCsvHasOneRowPerClaim(@TempDir Path dir) throws Exception {
        List<ResultRow> rs = new ArrayList<>(algorithms(new double[] {7, 8, 9}, 0.006));
        rs.add(lookup(70, 2, 4, 2000));
        for (int s = 1; s <= 3; s++) {
            rs.add(model("convergence", "adamw", s, 2000, 2000, 0.005, 20, 60));
            rs.add(model("convergence", "adamw", s, 4000, 4000, 0.003, 10, 62));
        }
        Report.Written w = Report.write(rs, SeedRows.context(dir, 0));
        assertEquals(dir.resolve("verdicts.csv"), w.verdictsCsv());
        assertTrue(w.files().contains(w.verdictsCsv()));
        List<String> lines = Files.readAllLines(w.verdictsCsv());
        assertEquals("experiment,claim,task,predicted,change,stderr,n,df,t,p,mde80,dkl,dkl_se,kl_differs,verdict,paper_change,unit",
            lines.get(0));
        // a (accuracy, Tr(H)) for adamw, b (accuracy, Tr(H)), c (adversarial accuracy and Tr(H), lookup)
        assertEquals(1 + 7, lines.size(), String.join("\n", lines));
        HashSet<String> claims = new HashSet<>();
        for (String l : lines.subList(1, lines.size())) {
            List<String> v = ResultsCsv.split(l);
            assertEquals(17, v.size(), l);
            assertTrue(claims.add(v.get(1)), "duplicate claim " + v.get(1));
        }
        List<String> adv = lines.stream().filter(l -> l.contains(ADV)).map(ResultsCsv::split).findFirst().orElseThrow();
        assertEquals(List.of("algorithms", ADV, TASK, "+"), adv.subList(0, 4));
        assertEquals(8, Double.parseDouble(adv.get(4)), 1e-9);
        assertEquals(1 / Math.sqrt(3), Double.parseDouble(adv.get(5)), 1e-9);
        assertEquals(List.of("3", "2.0"), adv.subList(6, 8));
        assertEquals(8 * Math.sqrt(3), Double.parseDouble(adv.get(8)), 1e-9);             // t = 8/(1/√3)
        assertEquals(0.0051, Double.parseDouble(adv.get(9)), 1e-4);                      // p of t_2 = 13.86
        assertEquals(5.364 / Math.sqrt(3), Double.parseDouble(adv.get(10)), 2e-3);       // mde80
        assertEquals(-0.001, Double.parseDouble(adv.get(11)), 1e-12);                    // ΔKL
        assertEquals(List.of("false", "held", "6.8", "points"), adv.subList(13, 17));
        // Tr(H) falls: the change is negative, the prediction "-", the paper's number (none) empty
        List<String> tr = lines.stream().filter(l -> l.contains("Tr(H) falls (adamw)")).map(ResultsCsv::split).findFirst().orElseThrow();
        assertEquals("-", tr.get(3));
        assertEquals(-50, Double.parseDouble(tr.get(4)), 1e-9);
        assertEquals("-inf", tr.get(8), tr.toString()); // the same fall on every seed: se 0
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("size,") && l.contains("could not be tested (not run)")));
        String md = Files.readString(w.markdown());
        assertTrue(md.contains("| claim | paper | predicted | measured change ± s.e. | t (df), p | MDE at 80 % power | "
            + "ΔKL ± s.e. (nats) | verdict |"), md);
        assertTrue(md.contains("| " + ADV + " | +6.8 points (Table 1, task A: 89.9 vs 83.1) | + | +8.0 ± 0.6 points (n = 3 seeds) | "
            + "t = +13.86 (df 2), p = 0.005 | 3.1 points | −0.0010 ± 0.0000 | held |"), md);
        assertTrue(md.contains("| past convergence: Tr(H) falls (adamw) | − (falls; Fig. 3, a trend, no number) | − | −50.0 ± 0.0 % (n = 3 seeds)"),
            md);
    }
}
