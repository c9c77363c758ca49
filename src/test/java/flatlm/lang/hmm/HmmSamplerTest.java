package flatlm.lang.hmm;

import flatlm.lang.Dirichlet;

import flatlm.lang.Sentence;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampler draws from the HMM's distribution; the random construction is block-diagonal and seeded. */
class HmmSamplerTest {
    static final int N = 200_000;

    /** Pearson χ² of counts against probabilities. */
    static double chiSquare(long[] counts, double[] p, long n) {
        double x2 = 0;
        for (int c = 0; c < counts.length; c++) {
            double e = n * p[c];
            x2 += (counts[c] - e) * (counts[c] - e) / e;
        }
        return x2;
    }

    /** χ² quantile at 1 − 1e-6: a correct sampler fails with probability 1e-6 (fixed seed: never). */
    static double threshold(int cells) {
        return new ChiSquaredDistribution(cells - 1).inverseCumulativeProbability(1 - 1e-6);
    }

    @Test
    void sentencesAndStatesFollowTheModel() {
        Hmm hmm = Hmm.random(new Hmm.Config(3, 4, 2, 3, 1.0, 0.3), 21);
        Hmm other = Hmm.random(new Hmm.Config(3, 4, 2, 3, 1.0, 0.3), 22);
        int V = 4, S = 3;
        long[] words = new long[V * V * V];
        long[] states = new long[S * S * S];
        SplittableRandom rng = new SplittableRandom(1);
        for (int k = 0; k < N; k++) {
            Sentence s = hmm.sample(rng);
            assertEquals(3, s.length());
            int[] w = s.words(), q = s.states();
            words[(w[0] * V + w[1]) * V + w[2]]++;
            states[(q[0] * S + q[1]) * S + q[2]]++;
        }
        double[] pw = new double[words.length], pOther = new double[words.length];
        for (int c = 0; c < words.length; c++) {
            int[] x = {c / (V * V), (c / V) % V, c % V};
            pw[c] = Math.exp(hmm.logProbability(x));
            pOther[c] = Math.exp(other.logProbability(x));
        }
        assertEquals(1.0, Arrays.stream(pw).sum(), 1e-12);
        double[] pi = hmm.initial();
        double[][] a = hmm.transition();
        double[] ps = new double[states.length];
        for (int c = 0; c < states.length; c++) {
            int s0 = c / (S * S), s1 = (c / S) % S, s2 = c % S;
            ps[c] = pi[s0] * a[s0][s1] * a[s1][s2];
        }
        double tw = threshold(words.length), ts = threshold(states.length);
        assertTrue(chiSquare(words, pw, N) < tw, "words χ² " + chiSquare(words, pw, N) + " >= " + tw);
        assertTrue(chiSquare(states, ps, N) < ts, "states χ² " + chiSquare(states, ps, N) + " >= " + ts);
        // the threshold has power: the same counts are rejected against a different HMM's distribution
        assertTrue(chiSquare(words, pOther, N) > 10 * tw);
    }

    @Test
    void randomMatricesAreBlockDiagonalStochastic() {
        for (Hmm.Config c : new Hmm.Config[] {Hmm.Config.defaults(), new Hmm.Config(10, 23, 3, 4, 0.05, 0)}) {
            Hmm hmm = Hmm.random(c, 7);
            double[][] a = hmm.transition(), e = hmm.emission();
            for (int s = 0; s < c.states(); s++) {
                int b = Hmm.blockOf(s, c.states(), c.blocks());
                assertTrue(Hmm.blockStart(b, c.states(), c.blocks()) <= s && s < Hmm.blockStart(b + 1, c.states(), c.blocks()));
                double za = 0, ze = 0;
                for (int t = 0; t < c.states(); t++) {
                    if (Hmm.blockOf(t, c.states(), c.blocks()) != b) assertEquals(0.0, a[s][t]);
                    za += a[s][t];
                }
                for (int v = 0; v < c.words(); v++) {
                    if (Hmm.blockOf(v, c.words(), c.blocks()) != b) assertEquals(0.0, e[s][v]);
                    ze += e[s][v];
                }
                assertEquals(1.0, za, 1e-12);
                assertEquals(1.0, ze, 1e-12);
            }
            for (double p : hmm.initial()) assertEquals(1.0 / c.states(), p, 0);
        }
        // blocks as even as possible: 23 words in 3 blocks → 7, 8, 8
        assertEquals(0, Hmm.blockStart(0, 23, 3));
        assertEquals(7, Hmm.blockStart(1, 23, 3));
        assertEquals(15, Hmm.blockStart(2, 23, 3));
        assertEquals(23, Hmm.blockStart(3, 23, 3));
        for (int i = 0; i < 23; i++) assertEquals(i < 7 ? 0 : i < 15 ? 1 : 2, Hmm.blockOf(i, 23, 3));
    }

    @Test
    void leakageMixesEveryRowWithADenseRow() {
        Hmm.Config c = new Hmm.Config(6, 8, 3, 4, 0.5, 0.25);
        double[][] a = Hmm.random(c, 3).transition();
        for (int s = 0; s < 6; s++) {
            double outside = 0;
            for (int t = 0; t < 6; t++) {
                assertTrue(a[s][t] > 0);
                if (Hmm.blockOf(t, 6, 3) != Hmm.blockOf(s, 6, 3)) outside += a[s][t];
            }
            assertTrue(outside < 0.25, "mass outside the block ≤ ε");
        }
    }

    @Test
    void sameSeedSameHmmAndSamples() {
        Hmm a = Hmm.random(Hmm.Config.defaults(), 5), b = Hmm.random(Hmm.Config.defaults(), 5);
        Hmm c = Hmm.random(Hmm.Config.defaults(), 6);
        assertArrayEquals(a.transition(), b.transition());
        assertArrayEquals(a.emission(), b.emission());
        assertFalse(Arrays.deepEquals(a.transition(), c.transition()));
        SplittableRandom r1 = new SplittableRandom(3), r2 = new SplittableRandom(3);
        for (int k = 0; k < 100; k++) {
            Sentence x = a.sample(r1), y = b.sample(r2);
            assertArrayEquals(x.words(), y.words());
            assertArrayEquals(x.states(), y.states());
        }
    }

    @Test
    void gammaAndDirichletMoments() {
        SplittableRandom rng = new SplittableRandom(8);
        for (double shape : new double[] {0.2, 1.0, 3.5}) {
            int n = 200_000;
            double sum = 0, sq = 0;
            for (int k = 0; k < n; k++) {
                double g = Math.exp(Dirichlet.logGamma(shape, rng));
                sum += g;
                sq += g * g;
            }
            double mean = sum / n, var = sq / n - mean * mean;
            // Gamma(a,1): mean a, variance a; 6 standard errors of the mean
            assertEquals(shape, mean, 6 * Math.sqrt(shape / n), "mean, shape " + shape);
            assertEquals(shape, var, 0.05 * shape + 0.02, "variance, shape " + shape);
        }
        // Dirichlet(α) coordinates: mean 1/k, Var = (k−1)/(k²(kα+1))
        int k = 5, n = 100_000;
        double alpha = 0.2;
        double sum0 = 0, sq0 = 0;
        for (int t = 0; t < n; t++) {
            double[] p = Dirichlet.sample(alpha, k, rng);
            assertEquals(1.0, Arrays.stream(p).sum(), 1e-12);
            sum0 += p[0];
            sq0 += p[0] * p[0];
        }
        double var = (k - 1.0) / (k * k * (k * alpha + 1));
        assertEquals(1.0 / k, sum0 / n, 6 * Math.sqrt(var / n));
        assertEquals(var, sq0 / n - (sum0 / n) * (sum0 / n), 0.05 * var);
        // tiny concentrations do not underflow to an all-zero row
        double[] p = Dirichlet.sample(1e-4, 10, rng);
        assertEquals(1.0, Arrays.stream(p).sum(), 1e-12);
    }
}
