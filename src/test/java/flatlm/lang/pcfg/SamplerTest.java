package flatlm.lang.pcfg;

import flatlm.lang.ParseTree;
import flatlm.lang.Sentence;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final List<String> TINY = List.of(
        "S S1 0.6", "S S2 0.4",
        "S1 A B 1.0", "S2 B B 1.0",
        "A a 0.3", "A A2 0.2", "A B B 0.5",
        "A2 b 1.0",
        "B a 0.5", "B c 0.3", "B b 0.2");

    private static List<Integer> key(int[] words) {
        List<Integer> k = new ArrayList<>();
        for (int w : words) k.add(w);
        return k;
    }

    /** Pearson chi-square of observed counts against probabilities, pooling cells with expected count < 5. */
    private static double[] chiSquare(Map<List<Integer>, Integer> counts, Map<List<Integer>, Double> probs, int total) {
        double chi = 0, pooledExpected = 0, pooledObserved = 0;
        int cells = 0;
        for (Map.Entry<List<Integer>, Double> e : probs.entrySet()) {
            double expected = e.getValue() * total;
            int observed = counts.getOrDefault(e.getKey(), 0);
            if (expected < 5) {
                pooledExpected += expected;
                pooledObserved += observed;
            } else {
                chi += (observed - expected) * (observed - expected) / expected;
                cells++;
            }
        }
        if (pooledExpected > 0) {
            chi += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
            cells++;
        }
        return new double[] {chi, cells - 1};
    }

    @Test
    void sampleFrequenciesMatchExactProbabilities() {
        Pcfg pcfg = Pcfg.parse("tiny", TINY, false);
        Map<List<Integer>, Double> exact = PcfgTestSupport.enumerate(pcfg.grammar(), pcfg.maxLength());
        assertEquals(1.0, exact.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
        int n = 20_000;
        SplittableRandom rng = new SplittableRandom(42);
        Map<List<Integer>, Integer> counts = new HashMap<>();
        for (int k = 0; k < n; k++) counts.merge(key(pcfg.sample(rng).words()), 1, Integer::sum);
        assertTrue(exact.keySet().containsAll(counts.keySet()), "only sentences of the language");
        double[] chi = chiSquare(counts, exact, n);
        double critical = new ChiSquaredDistribution(chi[1]).inverseCumulativeProbability(0.999);
        assertTrue(chi[1] >= 10, "enough cells: " + chi[1]);
        assertTrue(chi[0] < critical, "chi-square " + chi[0] + " >= " + critical + " with " + chi[1] + " df");

        // the test has power: the same samples against a slightly different grammar fail it
        List<String> other = new ArrayList<>(TINY);
        other.set(0, "S S1 0.55");
        other.set(1, "S S2 0.45");
        Map<List<Integer>, Double> wrong = PcfgTestSupport.enumerate(Pcfg.parse("other", other, false).grammar(), 3);
        assertTrue(chiSquare(counts, wrong, n)[0] > critical, "a 5% change of a root rule is detected");
    }

    private static void checkTree(Grammar g, ParseTree t, int[] words) {
        if (t.isLeaf()) {
            assertEquals(t.start() + 1, t.end());
            assertEquals(words[t.start()], t.word());
            assertTrue(g.rules().stream().anyMatch(r -> r.lhs() == t.symbol() && r.kind() == Grammar.Kind.TERMINAL
                && r.first() == t.word() && r.prob() > 0));
            return;
        }
        assertEquals(-1, t.word());
        List<ParseTree> c = t.children();
        assertEquals(t.start(), c.get(0).start());
        assertEquals(t.end(), c.get(c.size() - 1).end());
        if (c.size() == 1) {
            assertTrue(g.rules().stream().anyMatch(r -> r.lhs() == t.symbol() && r.kind() == Grammar.Kind.UNARY
                && r.first() == c.get(0).symbol()));
        } else {
            assertEquals(2, c.size());
            assertEquals(c.get(0).end(), c.get(1).start());
            assertTrue(g.rules().stream().anyMatch(r -> r.lhs() == t.symbol() && r.kind() == Grammar.Kind.BINARY
                && r.first() == c.get(0).symbol() && r.second() == c.get(1).symbol()));
        }
        for (ParseTree child : c) checkTree(g, child, words);
    }

    @Test
    void treesAreDerivationsOfTheWords() {
        Pcfg pcfg = PcfgTestSupport.authors();
        SplittableRandom rng = new SplittableRandom(7);
        int longest = 0;
        for (int k = 0; k < 300; k++) {
            Sentence s = pcfg.sample(rng);
            assertNull(s.states());
            assertEquals(pcfg.grammar().start(), s.tree().symbol());
            assertEquals(0, s.tree().start());
            assertEquals(s.length(), s.tree().end());
            checkTree(pcfg.grammar(), s.tree(), s.words());
            longest = Math.max(longest, s.length());
            assertTrue(s.length() >= 2 && s.length() <= 16);
        }
        assertTrue(longest >= 14, "long sentences occur: " + longest);
    }

    @Test
    void recursiveGrammarIsCappedAtMaxLength() {
        Pcfg pcfg = Pcfg.parse("rec", List.of("S X 1.0", "X X X 0.49", "X a 0.51"), false);
        assertTrue(pcfg.isRecursive());
        SplittableRandom rng = new SplittableRandom(1);
        for (int k = 0; k < 2000; k++) assertTrue(pcfg.sample(rng).length() <= Pcfg.RECURSIVE_LENGTH_CAP);
        // a supercritical grammar (infinite derivations with positive probability) still samples
        Pcfg wild = Pcfg.parse("wild", List.of("S X 1.0", "X X X 0.7", "X a 0.3"), false);
        for (int k = 0; k < 50; k++) assertTrue(wild.sample(rng).length() <= Pcfg.RECURSIVE_LENGTH_CAP);
    }

    @Test
    void sameSeedSameSentences() {
        Pcfg pcfg = PcfgTestSupport.authors();
        List<Sentence> a = pcfg.sample(100, new SplittableRandom(11));
        List<Sentence> b = pcfg.sample(100, new SplittableRandom(11));
        for (int k = 0; k < 100; k++) {
            assertArrayEquals(a.get(k).words(), b.get(k).words());
            assertEquals(a.get(k).tree(), b.get(k).tree());
        }
    }
}
