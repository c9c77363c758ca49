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
        // Δ = {0.1, −0.1, 0}: 0 ± 0.058, mdd 0.12 ≤ the paper's 6.8
        assertEquals(Power.Outcome.DID_NOT_HOLD, claim(algorithms(new double[] {0.1, -0.1, 0}, 0.006), ADV).verdict().outcome());
        // Δ = {−10, 0, 13}: 1 ± √(133/3) = 6.66, mdd 13.3 > 6.8
        Claims.Claim inc = claim(algorithms(new double[] {-10, 0, 13}, 0.006), ADV);
        assertEquals(Power.Outcome.INCONCLUSIVE, inc.verdict().outcome());
        assertEquals(2 * Math.sqrt(133.0 / 3), inc.estimate().mdd(), 1e-9);
        // Δ = {−5, −6, −7}: −6 ± 0.577
        Claims.Claim opp = claim(algorithms(new double[] {-5, -6, -7}, 0.006), ADV);
        assertEquals(Power.Outcome.OPPOSITE, opp.verdict().outcome());
        assertEquals("did not hold (opposite direction)", opp.verdict().text());
        // Tr(H): (19 − 8)/8 = 137.5 % on every seed, against the paper's 141 %
        Claims.Claim tr = claim(algorithms(new double[] {7, 8, 9}, 0.006), "algorithms: adversarial Tr(H) larger than standard");
        assertEquals(137.5, tr.estimate().effect(), 1e-9);
        assertEquals(Power.Outcome.HELD, tr.verdict().outcome());
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
        // one seed: the probe-seed standard error √(0.5²/5 + 0.5²/5)
        assertEquals(Math.sqrt(0.1), one.estimate().se(), 1e-9);
        assertTrue(one.ours().contains("1 seed; s.e. from the probe seeds"), one.ours());
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
        assertEquals(Power.Outcome.HELD, c.verdict().outcome()); // 12 > mdd 3.06
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
        assertEquals(50, claim(rs, "past convergence: Tr(H) falls (adamw)").estimate().effect(), 1e-9); // (20 − 10)/20
        Claims.Claim size = claim(rs, "model size: accuracy rises with width");
        assertEquals(10, size.estimate().effect(), 1e-9);
        assertEquals(Power.Outcome.HELD, size.verdict().outcome()); // 10 ± 0.58
        Claims.Claim emb = claim(rs, "model size: embedded Tr(H) falls with width");
        assertEquals(40, emb.estimate().effect(), 1e-9); // (20 − 12)/20, the embedded rows
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
        assertEquals("experiment,claim,task,effect,stderr,mdd,n,verdict,paper_effect,unit", lines.get(0));
        // a (accuracy, Tr(H)) for adamw, b (accuracy, Tr(H)), c (adversarial accuracy and Tr(H), lookup)
        assertEquals(1 + 7, lines.size(), String.join("\n", lines));
        HashSet<String> claims = new HashSet<>();
        for (String l : lines.subList(1, lines.size())) {
            List<String> v = ResultsCsv.split(l);
            assertEquals(10, v.size(), l);
            assertTrue(claims.add(v.get(1)), "duplicate claim " + v.get(1));
        }
        List<String> adv = lines.stream().filter(l -> l.contains(ADV)).map(ResultsCsv::split).findFirst().orElseThrow();
        assertEquals(List.of("algorithms", ADV, TASK), adv.subList(0, 3));
        assertEquals(8, Double.parseDouble(adv.get(3)), 1e-9);
        assertEquals(1 / Math.sqrt(3), Double.parseDouble(adv.get(4)), 1e-9);
        assertEquals(2 / Math.sqrt(3), Double.parseDouble(adv.get(5)), 1e-9);
        assertEquals(List.of("3", "held", "6.8", "points"), adv.subList(6, 10));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("size,") && l.contains("could not be tested (not run)")));
        String md = Files.readString(w.markdown());
        assertTrue(md.contains("| claim | paper | ours ± s.e. | detectable difference | verdict |"), md);
        assertTrue(md.contains("| " + ADV + " | +6.8 points (Table 1, task A: 89.9 vs 83.1) | +8.0 ± 0.6 points (n = 3 seeds) | "
            + "1.2 points | held |"), md);
    }
}
