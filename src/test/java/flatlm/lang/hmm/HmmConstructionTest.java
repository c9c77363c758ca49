package flatlm.lang.hmm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static flatlm.lang.hmm.HmmDefinitionTest.JSON;
import static flatlm.lang.hmm.HmmDefinitionTest.expectBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Separate transition/emission concentrations and near-permutation transitions. */
class HmmConstructionTest {

    static double sumOfSquares(double[][] m) {
        double s = 0;
        for (double[] r : m) for (double x : r) s += x * x;
        return s;
    }

    @Test
    void plainConstructionIsUnchanged() {
        // values printed by the code before transitionAlpha/emissionAlpha/permutations existed
        Hmm d = Hmm.random(Hmm.Config.defaults(), 1);
        double[][] t = d.transition(), e = d.emission();
        assertEquals(0.0024833709297478446, t[0][0], 0);
        assertEquals(0.001166727967423456, t[0][9], 0);
        assertEquals(0.011334912180055426, t[57][53], 0);
        assertEquals(0.020898786049230147, t[99][99], 0);
        assertEquals(6.441074830827962E-4, e[0][0], 0);
        assertEquals(0.19520422576310825, e[0][19], 0);
        assertEquals(0.043812578902796696, e[57][110], 0);
        assertEquals(1.2631711858542274E-4, e[99][199], 0);
        assertEquals(37.990476876823315, sumOfSquares(t), 1e-12);
        assertEquals(22.069290661412808, sumOfSquares(e), 1e-12);
        Hmm leaky = Hmm.random(new Hmm.Config(6, 8, 2, 5, 0.5, 0.3), 1);
        double[][] lt = leaky.transition(), le = leaky.emission();
        assertEquals(0.08035482012483375, lt[0][0], 0);
        assertEquals(0.0013668809348325078, lt[5][2], 0);
        assertEquals(0.06885140939481176, le[0][0], 0);
        assertEquals(0.09160700532440368, le[5][7], 0);
        assertEquals(2.2203893081248993, sumOfSquares(lt), 1e-12);
        assertEquals(1.7536298350773196, sumOfSquares(le), 1e-12);

        for (Hmm.Config c : new Hmm.Config[] {Hmm.Config.defaults(), new Hmm.Config(6, 8, 2, 5, 0.5, 0.3)}) {
            Hmm.Config explicit = new Hmm.Config(c.states(), c.words(), c.blocks(), c.length(), c.alpha(), c.leakage(),
                c.alpha(), c.alpha(), 0, Double.NaN);
            assertEquals(c, explicit);
            assertEquals(c, c.withAlphas(Double.NaN, Double.NaN));
            assertEquals(c.alpha(), c.transitionAlpha(), 0);
            assertEquals(c.alpha(), c.emissionAlpha(), 0);
            Hmm a = Hmm.random(c, 1), b = Hmm.random(explicit, 1);
            assertArrayEquals(a.transition(), b.transition());
            assertArrayEquals(a.emission(), b.emission());
        }
    }

    @Test
    void separateConcentrationsShapeTheirOwnRows() {
        Hmm.Config c = new Hmm.Config(40, 40, 4, 8, 0.2, 0).withAlphas(0.01, 1000);
        Hmm hmm = Hmm.random(c, 3);
        double[][] t = hmm.transition(), e = hmm.emission();
        double peak = 0;
        for (int s = 0; s < 40; s++) {
            double max = 0;
            for (double x : t[s]) max = Math.max(max, x);
            peak += max / 40;
            int b = Hmm.blockOf(s, 40, 4);
            for (int v = Hmm.blockStart(b, 40, 4); v < Hmm.blockStart(b + 1, 40, 4); v++) {
                assertEquals(0.1, e[s][v], 0.02, "alpha_E = 1000: emission rows nearly uniform over the block's 10 words");
            }
        }
        assertTrue(peak > 0.9, "alpha_T = 0.01: transition rows nearly one-hot, mean max " + peak);
    }

    /** Every row sums to 1; with ε = 0 all mass of a row stays in its block. */
    static void checkStochasticBlocks(Hmm hmm, boolean blockOnly) {
        Hmm.Config c = hmm.config();
        double[][] t = hmm.transition();
        for (int s = 0; s < c.states(); s++) {
            double z = 0;
            int b = Hmm.blockOf(s, c.states(), c.blocks());
            for (int u = 0; u < c.states(); u++) {
                assertTrue(t[s][u] >= 0);
                z += t[s][u];
                if (blockOnly && Hmm.blockOf(u, c.states(), c.blocks()) != b) assertEquals(0.0, t[s][u], 0);
            }
            assertEquals(1.0, z, 1e-12);
        }
    }

    @Test
    void smallTemperatureGivesAPermutation() {
        Hmm.Config c = new Hmm.Config(30, 10, 3, 8, 0.2, 0).withPermutations(4, 1e-6);
        Hmm hmm = Hmm.random(c, 5);
        checkStochasticBlocks(hmm, true);
        double[][] t = hmm.transition();
        double[] colSums = new double[30];
        for (int s = 0; s < 30; s++) {
            int ones = 0;
            for (int u = 0; u < 30; u++) {
                assertTrue(t[s][u] == 0 || t[s][u] == 1, "entry " + t[s][u]);
                if (t[s][u] == 1) ones++;
                colSums[u] += t[s][u];
            }
            assertEquals(1, ones);
        }
        for (double z : colSums) assertEquals(1.0, z, 0, "a permutation matrix: every state has one predecessor");
        boolean identity = true;
        for (int s = 0; s < 30; s++) identity &= t[s][s] == 1;
        assertFalse(identity);
    }

    @Test
    void largeTemperatureGivesTheUniformAverage() {
        int P = 3;
        Hmm.Config c = new Hmm.Config(12, 6, 2, 8, 0.2, 0).withPermutations(P, 1e9);
        double[][] t = Hmm.random(c, 7).transition();
        for (int s = 0; s < 12; s++) {
            for (int u = 0; u < 12; u++) {
                double k = t[s][u] * P;
                assertEquals(Math.rint(k), k, 1e-6, "entries are multiples of 1/P");
            }
        }
    }

    @Test
    void mixtureIsDoublyStochasticAndRowsDiffer() {
        Hmm.Config c = new Hmm.Config(20, 10, 2, 8, 0.2, 0).withPermutations(3, 0.7);
        Hmm hmm = Hmm.random(c, 9);
        checkStochasticBlocks(hmm, true);
        double[][] t = hmm.transition();
        for (int u = 0; u < 20; u++) {
            double z = 0;
            for (int s = 0; s < 20; s++) z += t[s][u];
            assertEquals(1.0, z, 1e-12, "column " + u);
        }
        for (int s = 0; s < 20; s++) for (int r = 0; r < s; r++) assertFalse(java.util.Arrays.equals(t[s], t[r]));
        // leakage still mixes in: every entry positive, rows sum to 1
        Hmm leaky = Hmm.random(new Hmm.Config(20, 10, 2, 8, 0.2, 0.1).withPermutations(3, 0.7), 9);
        checkStochasticBlocks(leaky, false);
        for (double[] row : leaky.transition()) for (double x : row) assertTrue(x > 0);
    }

    @Test
    void permutationMixtureAlone() {
        double[][] m = Hmm.permutationMixture(5, 2, 1.0, new SplittableRandom(1));
        for (int i = 0; i < 5; i++) {
            double r = 0, col = 0;
            for (int j = 0; j < 5; j++) { r += m[i][j]; col += m[j][i]; }
            assertEquals(1.0, r, 1e-12);
            assertEquals(1.0, col, 1e-12);
        }
        double[][] one = Hmm.permutationMixture(1, 3, 0.5, new SplittableRandom(1));
        assertEquals(1.0, one[0][0], 1e-15);
    }

    @Test
    void sameSeedSameMatrices() {
        Hmm.Config c = new Hmm.Config(20, 10, 2, 8, 0.2, 0.05).withPermutations(3, 0.5).withAlphas(0.1, 2);
        Hmm a = Hmm.random(c, 4), b = Hmm.random(c, 4), other = Hmm.random(c, 5);
        assertArrayEquals(a.transition(), b.transition());
        assertArrayEquals(a.emission(), b.emission());
        assertFalse(java.util.Arrays.deepEquals(a.transition(), other.transition()));
        assertFalse(java.util.Arrays.deepEquals(a.transition(), Hmm.random(c.withPermutations(3, 5.0), 4).transition()));
    }

    @Test
    void nearPermutationHmmsMatchBruteForce() {
        // more states than words: the dynamics carry the information
        HmmBruteForceTest.checkAgainstBruteForce(
            Hmm.random(new Hmm.Config(4, 2, 1, 5, 0.5, 0).withPermutations(3, 0.5), 13), 4);
        // near-deterministic (exact zeros in the transition matrix), two blocks
        HmmBruteForceTest.checkAgainstBruteForce(
            Hmm.random(new Hmm.Config(4, 4, 2, 5, 0.5, 0).withPermutations(2, 0.05).withAlphas(Double.NaN, 3), 14), 5);
        // with leakage and separate alphas
        HmmBruteForceTest.checkAgainstBruteForce(
            Hmm.random(new Hmm.Config(4, 3, 2, 4, 0.5, 0.2).withPermutations(2, 1.0).withAlphas(0.3, 0.8), 15), 6);
    }

    @Test
    void badNewFieldsNameTheField() {
        Hmm.Config c = new Hmm.Config(10, 10, 2, 4, 0.2, 0);
        expectBad("transitionAlpha", () -> c.withAlphas(0, Double.NaN));
        expectBad("transitionAlpha", () -> c.withAlphas(Double.POSITIVE_INFINITY, Double.NaN));
        expectBad("emissionAlpha", () -> c.withAlphas(Double.NaN, -1));
        expectBad("permutations", () -> c.withPermutations(-1, Double.NaN));
        expectBad("temperature", () -> c.withPermutations(2, 0));
        expectBad("temperature", () -> c.withPermutations(2, Double.NaN));
        expectBad("temperature", () -> c.withPermutations(2, Double.POSITIVE_INFINITY));
        expectBad("temperature", () -> c.withPermutations(0, 1.0));
    }

    @Test
    void definitionWritesAndReadsTheNewFields(@TempDir Path dir) throws IOException {
        Hmm.Config c = new Hmm.Config(6, 4, 2, 5, 0.2, 0.01).withAlphas(0.1, 0.9).withPermutations(3, 0.25);
        Hmm hmm = Hmm.random(c, 8);
        hmm.writeDefinition(dir);
        Hmm back = Hmm.loadDefinition(dir);
        assertEquals(c, back.config());
        assertArrayEquals(hmm.transition(), back.transition());
        ObjectNode cfg = (ObjectNode) JSON.readTree(dir.resolve("language.json").toFile()).get("config");
        assertEquals(0.1, cfg.get("transitionAlpha").asDouble(), 0);
        assertEquals(0.9, cfg.get("emissionAlpha").asDouble(), 0);
        assertEquals(3, cfg.get("permutations").asInt());
        assertEquals(0.25, cfg.get("temperature").asDouble(), 0);

        Hmm.random(new Hmm.Config(6, 4, 2, 5, 0.2, 0), 8).writeDefinition(dir);
        cfg = (ObjectNode) JSON.readTree(dir.resolve("language.json").toFile()).get("config");
        assertEquals(0, cfg.get("permutations").asInt());
        assertFalse(cfg.has("temperature"), "temperature only with permutations");
    }

    @Test
    void oldDefinitionFilesStillLoad(@TempDir Path dir) throws IOException {
        Hmm hmm = Hmm.random(new Hmm.Config(6, 4, 2, 5, 0.3, 0), 2);
        hmm.writeDefinition(dir);
        Path file = dir.resolve("language.json");
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode cfg = (ObjectNode) root.get("config");
        cfg.remove("transitionAlpha");
        cfg.remove("emissionAlpha");
        cfg.remove("permutations");
        Files.writeString(file, JSON.writeValueAsString(root));
        Hmm back = Hmm.loadDefinition(dir);
        assertEquals(new Hmm.Config(6, 4, 2, 5, 0.3, 0), back.config());
        assertArrayEquals(hmm.emission(), back.emission());

        cfg.put("permutations", 2);
        Files.writeString(file, JSON.writeValueAsString(root));
        expectBad("temperature", () -> HmmDefinitionTest.load(dir));
        cfg.put("permutations", "two");
        Files.writeString(file, JSON.writeValueAsString(root));
        expectBad("config.permutations", () -> HmmDefinitionTest.load(dir));
        cfg.put("permutations", 0);
        cfg.put("emissionAlpha", "x");
        Files.writeString(file, JSON.writeValueAsString(root));
        expectBad("config.emissionAlpha", () -> HmmDefinitionTest.load(dir));
    }
}
