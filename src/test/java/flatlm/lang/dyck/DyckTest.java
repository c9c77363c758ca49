package flatlm.lang.dyck;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;
import flatlm.util.BadInputException;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DyckTest {

    static boolean balanced(int[] w) {
        int h = 0;
        for (int b : w) {
            h += b == Dyck.OPEN ? 1 : -1;
            if (h < 0) return false;
        }
        return h == 0;
    }

    static int[] bits(int code, int n) {
        int[] w = new int[n];
        for (int i = 0; i < n; i++) w[i] = (code >> i) & 1;
        return w;
    }

    static List<int[]> allBalanced(int n) {
        List<int[]> out = new ArrayList<>();
        for (int code = 0; code < (1 << n); code++) if (balanced(bits(code, n))) out.add(bits(code, n));
        return out;
    }

    static int code(int[] w) {
        int c = 0;
        for (int i = 0; i < w.length; i++) c |= w[i] << i;
        return c;
    }

    @Test
    void badLengthsAreRejected() {
        for (int n : new int[] {0, -2, 1, 7}) {
            BadInputException e = assertThrows(BadInputException.class, () -> new Dyck(n));
            assertTrue(e.getMessage().contains("n must be even"), e.getMessage());
        }
    }

    @Test
    void samplerIsUniformOverBalancedStrings() {
        for (int n : new int[] {6, 8}) {
            List<int[]> strings = allBalanced(n);
            assertEquals(n == 6 ? 5 : 14, strings.size());
            Map<Integer, Integer> index = new HashMap<>();
            for (int[] s : strings) index.put(code(s), index.size());
            Dyck dyck = new Dyck(n);
            SplittableRandom rng = new SplittableRandom(n);
            int samples = 100_000;
            long[] counts = new long[strings.size()];
            for (int k = 0; k < samples; k++) {
                int[] w = dyck.sample(rng).words();
                assertTrue(balanced(w));
                counts[index.get(code(w))]++;
            }
            double threshold = new ChiSquaredDistribution(strings.size() - 1).inverseCumulativeProbability(1 - 1e-6);
            double uniform = 0, naive = 0;
            double[] pNaive = naiveProbabilities(strings, n);
            for (int c = 0; c < counts.length; c++) {
                double e = (double) samples / strings.size();
                uniform += (counts[c] - e) * (counts[c] - e) / e;
                double en = samples * pNaive[c];
                naive += (counts[c] - en) * (counts[c] - en) / en;
            }
            assertTrue(uniform < threshold, "χ² " + uniform + " >= " + threshold);
            // power: a sampler flipping fair coins among allowed brackets would be rejected
            assertTrue(naive > 10 * threshold, "naive χ² " + naive);
        }
    }

    /** Probability of each string under the naive sampler: a fair coin whenever both brackets can still complete. */
    static double[] naiveProbabilities(List<int[]> strings, int n) {
        double[] p = new double[strings.size()];
        for (int c = 0; c < p.length; c++) {
            int[] w = strings.get(c);
            double q = 1;
            int h = 0;
            for (int i = 0; i < n; i++) {
                boolean canOpen = h + 1 <= n - i - 1, canClose = h > 0;
                if (canOpen && canClose) q *= 0.5;
                h += w[i] == Dyck.OPEN ? 1 : -1;
            }
            p[c] = q;
        }
        return p;
    }

    @Test
    void openProbabilityIsARatioOfPathCounts() {
        int n = 40;
        long[][] count = new long[n + 2][n + 2]; // count[m][h]: completions of m tokens from height h
        count[0][0] = 1;
        for (int m = 1; m <= n; m++) {
            for (int h = 0; h <= n; h++) {
                count[m][h] = count[m - 1][h + 1] + (h > 0 ? count[m - 1][h - 1] : 0);
            }
        }
        for (int m = 1; m <= n; m++) {
            for (int h = 0; h <= m; h++) {
                if (count[m][h] == 0) continue;
                double exact = (double) count[m - 1][h + 1] / count[m][h];
                assertEquals(exact, Dyck.openProbability(m, h), 1e-15, "m=" + m + " h=" + h);
            }
        }
    }

    @Test
    void conditionalsEqualBruteForce() {
        for (int n : new int[] {2, 6, 10}) {
            Dyck dyck = new Dyck(n);
            for (int[] x : allBalanced(n)) {
                double[][] c = dyck.conditionals(x);
                for (int i = 0; i < n; i++) {
                    double[] count = new double[2];
                    for (int v = 0; v < 2; v++) {
                        int[] y = x.clone();
                        y[i] = v;
                        count[v] = balanced(y) ? 1 : 0; // P(y) ∝ 1[balanced]
                    }
                    for (int v = 0; v < 2; v++) assertEquals(count[v] / (count[0] + count[1]), c[i][v], 0);
                }
            }
            for (int code = 0; code < (1 << n); code++) {
                int[] w = bits(code, n);
                if (!balanced(w)) assertThrows(IllegalArgumentException.class, () -> dyck.conditionals(w));
            }
        }
        Dyck d = new Dyck(4);
        assertThrows(IllegalArgumentException.class, () -> d.conditionals(new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> d.conditionals(new int[] {0, 2, 1, 1}));
    }

    @Test
    void encodeFollowsThePaper() {
        int[] w = {0, 0, 1, 1}; // "(())"
        assertArrayEquals(new double[] {1, 1, -1, -1, 0, 0, 0, 0}, Dyck.encode(w, -1));
        assertArrayEquals(new double[] {1, 0, -1, -1, 0, 1, 0, 0}, Dyck.encode(w, 1));
        assertArrayEquals(new double[] {1, 1, -1, 0, 0, 0, 0, 1}, Dyck.encode(w, 3));
        assertThrows(IllegalArgumentException.class, () -> Dyck.encode(w, 4));
        assertThrows(IllegalArgumentException.class, () -> Dyck.encode(w, -2));
        assertThrows(IllegalArgumentException.class, () -> Dyck.encode(new int[] {0, 5}, -1));
        assertEquals("(", new Dyck(2).vocabulary().word(Dyck.OPEN));
        assertEquals(")", new Dyck(2).vocabulary().word(Dyck.CLOSE));
    }

    @Test
    void taskCountsIidUniformBrackets() {
        Dyck dyck = new Dyck(10);
        List<DownstreamTask> tasks = dyck.tasks();
        assertEquals(1, tasks.size());
        DownstreamTask t = dyck.task("dyck");
        assertEquals(0, t.numClasses());
        assertEquals(3, t.labelOf(new Sentence(new int[] {0, 0, 0, 1, 0})).getAsInt());
        SplittableRandom rng = new SplittableRandom(3);
        for (int k = 0; k < 100; k++) assertEquals(0, t.labelOf(dyck.sample(rng)).getAsInt());
        int samples = 100_000, n = 10;
        double[] open = new double[n];
        double sum = 0, sq = 0, cross = 0;
        long[] first4 = new long[16];
        for (int k = 0; k < samples; k++) {
            DownstreamTask.Example e = t.sample(rng);
            assertEquals(n, e.words().length);
            int count = 0;
            for (int i = 0; i < n; i++) {
                open[i] += e.words()[i] == 0 ? 1 : 0;
                count += e.words()[i] == 0 ? 1 : -1;
            }
            assertEquals(count, e.label());
            sum += e.label();
            sq += (double) e.label() * e.label();
            cross += (e.words()[0] == 0 ? 1 : -1) * (e.words()[1] == 0 ? 1 : -1);
            first4[code(java.util.Arrays.copyOf(e.words(), 4))]++;
        }
        double tol = 5 * Math.sqrt(0.25 / samples);
        for (int i = 0; i < n; i++) assertEquals(0.5, open[i] / samples, tol);
        assertEquals(0, sum / samples, 5 * Math.sqrt((double) n / samples));
        assertEquals(n, sq / samples, 0.2); // Var(Σ ±1) = n
        assertEquals(0, cross / samples, 5 / Math.sqrt(samples));
        double x2 = 0;
        for (long c : first4) x2 += (c - samples / 16.0) * (c - samples / 16.0) / (samples / 16.0);
        assertTrue(x2 < new ChiSquaredDistribution(15).inverseCumulativeProbability(1 - 1e-6));
    }

    @Test
    void definitionRoundTripAndCorruption(@TempDir Path dir) throws IOException {
        Dyck dyck = new Dyck(12);
        dyck.writeDefinition(dir);
        Dyck back = Dyck.loadDefinition(dir);
        assertEquals(12, back.n());
        int[] x = dyck.sample(new SplittableRandom(1)).words();
        assertArrayEquals(dyck.conditionals(x), back.conditionals(x));
        Path file = dir.resolve("language.json");
        for (String[] c : new String[][] {
            {"{\"kind\":\"dyck\",\"n\":7}", "n must be even"},
            {"{\"kind\":\"dyck\"}", "\"n\""},
            {"{\"kind\":\"dyck\",\"n\":\"x\"}", "\"n\""},
            {"{\"kind\":\"hmm\",\"n\":4}", "kind"},
            {"{\"kind\":\"dyck\",", "not valid JSON"}}) {
            Files.writeString(file, c[0]);
            BadInputException e = assertThrows(BadInputException.class, () -> Dyck.loadDefinition(dir));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void equalCountSupportIsUniformOverAllArrangementsWithExactConditionals() {
        int n = 6; // C(6,3) = 20 strings
        Dyck dyck = new Dyck(n, Dyck.Support.EQUAL_COUNT);
        long[] counts = new long[1 << n];
        SplittableRandom rng = new SplittableRandom(4);
        int samples = 100_000;
        for (int k = 0; k < samples; k++) counts[code(dyck.sample(rng).words())]++;
        double chi2 = 0;
        int support = 0;
        for (int c = 0; c < (1 << n); c++) {
            int[] w = bits(c, n);
            int opens = 0;
            for (int t : w) opens += t == Dyck.OPEN ? 1 : 0;
            if (opens != n / 2) {
                assertEquals(0, counts[c], "outside the support");
                assertThrows(IllegalArgumentException.class, () -> dyck.conditionals(w));
                continue;
            }
            support++;
            double e = samples / 20.0;
            chi2 += (counts[c] - e) * (counts[c] - e) / e;
            double[][] cond = dyck.conditionals(w);
            for (int i = 0; i < n; i++) assertEquals(1.0, cond[i][w[i]], 0.0, "a single mask is determined by the count");
        }
        assertEquals(20, support);
        assertTrue(chi2 < new ChiSquaredDistribution(19).inverseCumulativeProbability(1 - 1e-6), "chi2 " + chi2);
        // an equal-count string that is not a Dyck word: positive under EQUAL_COUNT only
        int[] closeFirst = {Dyck.CLOSE, Dyck.OPEN, Dyck.OPEN, Dyck.CLOSE, Dyck.OPEN, Dyck.CLOSE};
        assertEquals(1.0, dyck.conditionals(closeFirst)[0][Dyck.CLOSE], 0.0);
        assertThrows(IllegalArgumentException.class, () -> new Dyck(n).conditionals(closeFirst));
    }
}
