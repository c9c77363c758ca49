package flatlm.lang.pcfg;

import flatlm.lang.Sentence;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InsideOutsideTest {
    private static final double TOL = 1e-9;

    /** All word sequences of a given length over a vocabulary. */
    private static List<int[]> allSentences(int vocab, int length) {
        List<int[]> out = new ArrayList<>();
        int total = (int) Math.pow(vocab, length);
        for (int code = 0; code < total; code++) {
            int[] x = new int[length];
            int c = code;
            for (int i = 0; i < length; i++) {
                x[i] = c % vocab;
                c /= vocab;
            }
            out.add(x);
        }
        return out;
    }

    private static void assertRowsSumToOne(double[][] cond) {
        for (double[] row : cond) {
            double s = 0;
            for (double p : row) {
                assertTrue(Double.isFinite(p) && p >= 0, "entry " + p);
                s += p;
            }
            assertEquals(1.0, s, 1e-12);
        }
    }

    private static void assertMatrixEquals(double[][] expected, double[][] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], actual[i], tol, what + " row " + i);
    }

    @Test
    void insideEqualsEnumerationOfAllDerivationsOnTinyGrammars() {
        for (long seed = 1; seed <= 8; seed++) {
            boolean recursive = seed % 2 == 0;
            Pcfg pcfg = Pcfg.parse("tiny" + seed, PcfgTestSupport.tinyGrammar(seed, 3 + (int) (seed % 2), 4, recursive), false);
            Grammar g = pcfg.grammar();
            int v = g.vocabulary().size();
            Map<List<Integer>, Double> exact = PcfgTestSupport.enumerate(g, 4);
            double total = 0;
            for (int len = 1; len <= 4; len++) {
                for (int[] x : allSentences(v, len)) {
                    List<Integer> key = new ArrayList<>();
                    for (int w : x) key.add(w);
                    double p = exact.getOrDefault(key, 0.0);
                    total += p;
                    double lp = pcfg.logProbability(x);
                    assertEquals(p, Math.exp(lp), 1e-12 * Math.max(1, p), "seed " + seed + " " + key);
                    assertEquals(p, PcfgTestSupport.naiveProbability(g, x), 1e-14, "naive, seed " + seed);
                    if (p > 0) assertEquals(Math.log(p), lp, 1e-10);
                    else assertEquals(Double.NEGATIVE_INFINITY, lp);
                }
            }
            assertTrue(total > 0 && total <= 1 + 1e-12);
        }
    }

    @Test
    void conditionalsEqualBruteForceOnTinyGrammars() {
        for (long seed = 11; seed <= 20; seed++) {
            boolean recursive = seed % 2 == 1;
            Pcfg pcfg = Pcfg.parse("tiny" + seed, PcfgTestSupport.tinyGrammar(seed, 3 + (int) (seed % 2), 5, recursive), false);
            Grammar g = pcfg.grammar();
            int v = g.vocabulary().size();
            Map<List<Integer>, Double> exact = PcfgTestSupport.enumerate(g, recursive ? 4 : 5);
            List<Map.Entry<List<Integer>, Double>> entries = new ArrayList<>(exact.entrySet());
            entries.sort(Map.Entry.comparingByKey(java.util.Comparator.comparing(Object::toString)));
            java.util.Collections.shuffle(entries, new java.util.Random(seed));
            int checked = 0;
            for (Map.Entry<List<Integer>, Double> e : entries.subList(0, Math.min(150, entries.size()))) {
                int[] x = e.getKey().stream().mapToInt(Integer::intValue).toArray();
                double[][] cond = pcfg.conditionals(x);
                assertRowsSumToOne(cond);
                double[][] brute = PcfgTestSupport.bruteConditionals(x, v, y -> {
                    List<Integer> key = new ArrayList<>();
                    for (int w : y) key.add(w);
                    return exact.getOrDefault(key, 0.0);
                });
                assertMatrixEquals(brute, cond, TOL, "seed " + seed + " " + e.getKey());
                checked++;
            }
            assertTrue(checked > 5, "seed " + seed + ": only " + checked + " sentences");
        }
    }

    @Test
    void conditionalsEqualBruteForceOnAuthorsGrammar() {
        Pcfg pcfg = PcfgTestSupport.authors();
        Grammar g = pcfg.grammar();
        int v = g.vocabulary().size();
        SplittableRandom rng = new SplittableRandom(3);
        int independent = 0, viaInside = 0;
        while (viaInside < 25) {
            Sentence s = pcfg.sample(rng);
            if (s.length() > 6) continue;
            int[] x = s.words();
            double[][] cond = pcfg.conditionals(x);
            assertRowsSumToOne(cond);
            assertEquals(PcfgTestSupport.naiveProbability(g, x), Math.exp(pcfg.logProbability(x)),
                1e-12 * Math.exp(pcfg.logProbability(x)));
            // brute force with the engine's inside probability of every substituted sentence
            double[][] brute = PcfgTestSupport.bruteConditionals(x, v, y -> Math.exp(pcfg.logProbability(y)));
            assertMatrixEquals(brute, cond, TOL, "sentence " + java.util.Arrays.toString(x));
            viaInside++;
            // and, for a few, with the independent textbook recursion
            if (independent < 4 && s.length() >= 4) {
                double[][] naive = PcfgTestSupport.bruteConditionals(x, v, y -> PcfgTestSupport.naiveProbability(g, y));
                assertMatrixEquals(naive, cond, TOL, "naive, sentence " + java.util.Arrays.toString(x));
                independent++;
            }
        }
        assertEquals(4, independent);
    }

    /**
     * A recursive grammar whose sentences of 32 mostly rare words have probability ~1e-330
     * (below the smallest double): conditionals stay finite, normalised, and equal to brute force
     * computed in log space.
     */
    @Test
    void noUnderflowAtLength32() {
        List<String> lines = List.of(
            "S X 0.7", "S Y X 0.3",
            "X X X 0.45", "X Y X 0.15", "X a 0.399999999999", "X r 1e-12",
            "Y Y X 0.3", "Y b 0.699999999999", "Y r 1e-12");
        Pcfg pcfg = Pcfg.parse("underflow", lines, false);
        assertTrue(pcfg.isRecursive());
        assertEquals(Pcfg.RECURSIVE_LENGTH_CAP, pcfg.maxLength());
        Grammar g = pcfg.grammar();
        int a = g.vocabulary().id("a"), b = g.vocabulary().id("b"), r = g.vocabulary().id("r");
        int[] x = new int[32];
        java.util.Arrays.fill(x, r);
        x[3] = a;
        x[10] = b;
        x[31] = a;
        double lp = pcfg.logProbability(x);
        assertTrue(lp < -745, "the raw probability underflows a double: log P = " + lp);
        assertEquals(PcfgTestSupport.naiveLogProbability(g, x), lp, 1e-9 * Math.abs(lp));
        double[][] cond = pcfg.conditionals(x);
        assertRowsSumToOne(cond);
        double[][] brute = PcfgTestSupport.bruteConditionalsLog(x, g.vocabulary().size(),
            y -> PcfgTestSupport.naiveLogProbability(g, y));
        assertMatrixEquals(brute, cond, TOL, "length 32");
        Chart chart = pcfg.chart(x);
        assertEquals(lp, chart.logProbability(), 1e-9 * Math.abs(lp));
        // Σ_A α(A,i,i+1) P(A → x_i) = P(x) at every position
        for (int i = 0; i < 32; i++) {
            List<Double> terms = new ArrayList<>();
            for (Grammar.Rule rule : g.rules()) {
                if (rule.kind() == Grammar.Kind.TERMINAL && rule.first() == x[i]) {
                    terms.add(chart.logOutside(rule.lhs(), i, i + 1) + Math.log(rule.prob()));
                }
            }
            assertEquals(lp, PcfgTestSupport.logSumExp(terms), 1e-9 * Math.abs(lp));
        }
    }

    @Test
    void deeperRandomGrammarHasLength32Sentences() {
        Pcfg pcfg = Pcfg.random(GrammarShape.AUTHORS.withLevels(5), 4);
        assertEquals(32, pcfg.maxLength());
        SplittableRandom rng = new SplittableRandom(5);
        Sentence s;
        do {
            s = pcfg.sample(rng);
        } while (s.length() < 30);
        int[] x = s.words();
        double[][] cond = pcfg.conditionals(x);
        assertRowsSumToOne(cond);
        assertEquals(Math.log(PcfgTestSupport.naiveProbability(pcfg.grammar(), x)), pcfg.logProbability(x),
            1e-9 * Math.abs(pcfg.logProbability(x)));
        int v = pcfg.vocabulary().size();
        for (int i : new int[] {0, 13, x.length - 1}) {
            int[] y = x.clone();
            List<Double> logs = new ArrayList<>();
            for (int w = 0; w < v; w++) {
                y[i] = w;
                logs.add(pcfg.logProbability(y));
            }
            double z = PcfgTestSupport.logSumExp(logs);
            for (int w = 0; w < v; w++) assertEquals(Math.exp(logs.get(w) - z), cond[i][w], TOL, "position " + i);
        }
        int[] longer = java.util.Arrays.copyOf(x, 33);
        assertEquals(Double.NEGATIVE_INFINITY, pcfg.logProbability(longer));
        assertThrows(IllegalArgumentException.class, () -> pcfg.conditionals(longer));
    }

    @Test
    void chartPosteriorsAndOutsideIdentity() {
        Pcfg pcfg = PcfgTestSupport.authors();
        Sentence s = pcfg.sample(new SplittableRandom(9));
        int[] x = s.words();
        Chart c = pcfg.chart(x);
        Grammar g = pcfg.grammar();
        assertEquals(pcfg.logProbability(x), c.logProbability(), 1e-12);
        assertEquals(0.0, c.logOutside(g.start(), 0, x.length), 1e-15);
        // the root span is covered by S and by exactly one S_r in every derivation
        double rootSum = 0;
        for (int a = 0; a < g.numNonterminals(); a++) if (a != g.start()) rootSum += c.posterior(a, 0, x.length);
        assertEquals(1.0, rootSum, 1e-12);
        // each word is emitted by exactly one preterminal
        for (int i = 0; i < x.length; i++) {
            double sum = 0;
            for (Grammar.Rule r : g.rules()) {
                if (r.kind() == Grammar.Kind.TERMINAL && r.first() == x[i]) {
                    sum += Math.exp(c.logOutside(r.lhs(), i, i + 1) + Math.log(r.prob()) - c.logProbability());
                }
            }
            assertEquals(1.0, sum, 1e-12);
        }
    }

    @Test
    void badSentencesAreRejected() {
        Pcfg pcfg = PcfgTestSupport.authors();
        assertThrows(IllegalArgumentException.class, () -> pcfg.conditionals(new int[] {0, 200}));
        assertThrows(IllegalArgumentException.class, () -> pcfg.conditionals(new int[] {-1, 3}));
        assertThrows(IllegalArgumentException.class, () -> pcfg.conditionals(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> pcfg.conditionals(new int[17]));
        assertEquals(Double.NEGATIVE_INFINITY, pcfg.logProbability(new int[17]));
    }

    @Test
    void threadsGiveTheSameConditionals() throws Exception {
        Pcfg pcfg = PcfgTestSupport.authors();
        List<Sentence> data = pcfg.sample(200, new SplittableRandom(2));
        List<double[][]> sequential = new ArrayList<>();
        for (Sentence s : data) sequential.add(pcfg.conditionals(s.words()));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<double[][]>> futures = new ArrayList<>();
            for (Sentence s : data) futures.add(pool.submit(() -> pcfg.conditionals(s.words())));
            for (int k = 0; k < data.size(); k++) assertMatrixEquals(sequential.get(k), futures.get(k).get(), 0.0, "thread");
        } finally {
            pool.shutdown();
        }
    }
}
