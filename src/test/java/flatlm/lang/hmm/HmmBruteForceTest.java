package flatlm.lang.hmm;

import flatlm.lang.Sentence;
import org.junit.jupiter.api.Test;

import java.util.OptionalLong;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward–backward against enumeration of all hidden paths on tiny HMMs. */
class HmmBruteForceTest {

    /** P(x) = Σ_paths π(s_0) Π E[s_i,x_i] Π A[s_i,s_{i+1}]; with {@code pos >= 0} only paths with s_pos = state. */
    static double brute(Hmm hmm, int[] x, int pos, int state) {
        double[] pi = hmm.initial();
        double[][] a = hmm.transition(), e = hmm.emission();
        int S = hmm.numStates(), n = x.length;
        int paths = (int) Math.pow(S, n);
        double total = 0;
        int[] s = new int[n];
        for (int code = 0; code < paths; code++) {
            int c = code;
            for (int i = 0; i < n; i++) { s[i] = c % S; c /= S; }
            if (pos >= 0 && s[pos] != state) continue;
            double p = pi[s[0]] * e[s[0]][x[0]];
            for (int i = 1; i < n; i++) p *= a[s[i - 1]][s[i]] * e[s[i]][x[i]];
            total += p;
        }
        return total;
    }

    static void checkAgainstBruteForce(Hmm hmm, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int V = hmm.vocabulary().size(), S = hmm.numStates();
        for (int trial = 0; trial < 15; trial++) {
            int[] x = hmm.sample(rng).words();
            double[][] cond = hmm.conditionals(x);
            double[][] post = hmm.posteriorStates(x);
            double px = brute(hmm, x, -1, 0);
            assertEquals(Math.log(px), hmm.logProbability(x), 1e-12);
            for (int i = 0; i < x.length; i++) {
                double[] joint = new double[V];
                double z = 0;
                for (int v = 0; v < V; v++) {
                    int[] y = x.clone();
                    y[i] = v;
                    joint[v] = brute(hmm, y, -1, 0);
                    z += joint[v];
                }
                for (int v = 0; v < V; v++) {
                    assertEquals(joint[v] / z, cond[i][v], 1e-12, "conditional pos " + i + " word " + v);
                }
                for (int s = 0; s < S; s++) {
                    assertEquals(brute(hmm, x, i, s) / px, post[i][s], 1e-12, "posterior pos " + i + " state " + s);
                }
            }
        }
    }

    @Test
    void leakyHmmMatchesBruteForce() {
        checkAgainstBruteForce(Hmm.random(new Hmm.Config(3, 4, 2, 5, 0.7, 0.3), 11), 1);
    }

    @Test
    void blockDiagonalHmmMatchesBruteForce() {
        // leakage 0: exercises the sparse (block) ranges; zero-probability alternatives included
        checkAgainstBruteForce(Hmm.random(new Hmm.Config(5, 7, 2, 5, 0.5, 0.0), 12), 2);
    }

    @Test
    void irregularZerosMatchBruteForce() {
        // zeros inside rows, a non-uniform initial distribution with a zero, a word no state emits
        SplittableRandom rng = new SplittableRandom(5);
        int S = 4, V = 5;
        double[] init = {0.5, 0.0, 0.3, 0.2};
        double[][] a = new double[S][S], e = new double[S][V];
        for (int s = 0; s < S; s++) {
            for (int t = 0; t < S; t++) a[s][t] = (s + t) % 3 == 1 ? 0 : rng.nextDouble();
            for (int v = 0; v < V - 1; v++) e[s][v] = (s * v) % 4 == 2 ? 0 : rng.nextDouble();
            normalize(a[s]);
            normalize(e[s]);
        }
        Hmm hmm = new Hmm(new Hmm.Config(S, V, 1, 5, 1, 0), init, a, e, OptionalLong.empty());
        checkAgainstBruteForce(hmm, 3);
        int[] impossible = {4, 0, 0, 0, 0};
        assertThrows(IllegalArgumentException.class, () -> hmm.conditionals(impossible));
        assertEquals(Double.NEGATIVE_INFINITY, hmm.logProbability(impossible));
    }

    static void normalize(double[] p) {
        double z = 0;
        for (double q : p) z += q;
        for (int i = 0; i < p.length; i++) p[i] /= z;
    }

    @Test
    void impossibleAndMalformedSentencesAreRejected() {
        Hmm hmm = Hmm.random(new Hmm.Config(4, 4, 2, 3, 0.5, 0.0), 1);
        // words of block 0 then block 1: transitions never leave a block
        assertThrows(IllegalArgumentException.class, () -> hmm.conditionals(new int[] {0, 3, 0}));
        assertThrows(IllegalArgumentException.class, () -> hmm.posteriorStates(new int[] {0, 3, 0}));
        assertThrows(IllegalArgumentException.class, () -> hmm.conditionals(new int[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> hmm.conditionals(new int[] {0, 0, 9}));
    }

    @Test
    void rowsSumToOneAndLongSentencesDoNotUnderflow() {
        Hmm hmm = Hmm.random(new Hmm.Config(100, 200, 10, 400, 0.2, 0.05), 3);
        SplittableRandom rng = new SplittableRandom(4);
        for (int trial = 0; trial < 5; trial++) {
            Sentence s = hmm.sample(rng);
            assertTrue(Double.isFinite(hmm.logProbability(s.words())));
            assertTrue(hmm.logProbability(s.words()) < -745, "P(x) below Double.MIN_VALUE: unscaled recursions would underflow");
            checkRows(hmm.conditionals(s.words()));
            checkRows(hmm.posteriorStates(s.words()));
        }
        Hmm sparse = Hmm.random(new Hmm.Config(100, 200, 10, 400, 0.2, 0.0), 3);
        checkRows(sparse.conditionals(sparse.sample(rng).words()));
        checkRows(sparse.posteriorStates(sparse.sample(rng).words()));
    }

    static void checkRows(double[][] rows) {
        for (double[] row : rows) {
            double z = 0;
            for (double p : row) {
                assertTrue(Double.isFinite(p) && p >= 0);
                z += p;
            }
            assertEquals(1.0, z, 1e-12);
        }
    }

    @Test
    void conditionalsAreThreadSafe() throws Exception {
        Hmm hmm = Hmm.random(Hmm.Config.defaults(), 1);
        Sentence[] data = new Sentence[400];
        SplittableRandom rng = new SplittableRandom(9);
        for (int i = 0; i < data.length; i++) data[i] = hmm.sample(rng);
        double[][][] expected = new double[data.length][][];
        for (int i = 0; i < data.length; i++) expected[i] = hmm.conditionals(data[i].words());
        Thread[] threads = new Thread[4];
        boolean[] ok = new boolean[threads.length];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                boolean good = true;
                for (int rep = 0; rep < 5; rep++) {
                    for (int i = 0; i < data.length; i++) {
                        double[][] c = hmm.conditionals(data[(i + id * 97) % data.length].words());
                        good &= java.util.Arrays.deepEquals(c, expected[(i + id * 97) % data.length]);
                    }
                }
                ok[id] = good;
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        for (boolean b : ok) assertTrue(b);
    }
}
