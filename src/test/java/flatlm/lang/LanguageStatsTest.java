package flatlm.lang;

import flatlm.lang.hmm.Hmm;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LanguageStatsTest {
    /**
     * Exact per-token entropy of a tiny HMM by enumerating every sentence:
     * H = Σ_x P(x) Σ_i H(p*(·|x_-i)) / n, with P(x) from the forward algorithm.
     */
    @Test
    void entropyEstimateMatchesExactEnumeration() {
        int length = 3;
        Hmm hmm = Hmm.random(new Hmm.Config(4, 5, 2, length, 0.5, 0.1), 5);
        int v = hmm.vocabulary().size();
        double exact = 0;
        double total = 0;
        int[] x = new int[length];
        for (int code = 0; code < Math.pow(v, length); code++) {
            int c = code;
            for (int i = 0; i < length; i++) {
                x[i] = c % v;
                c /= v;
            }
            double p = hmm.probability(x);
            total += p;
            exact += p * LanguageStats.sentenceEntropy(hmm.conditionals(x)) / length;
        }
        assertEquals(1.0, total, 1e-12);
        LanguageStats.Result r = LanguageStats.compute(hmm, 20_000, new SplittableRandom(1), 1);
        assertTrue(r.entropyStderr() > 0 && r.entropyStderr() < 0.02, "stderr " + r.entropyStderr());
        assertEquals(exact, r.entropy(), 4 * r.entropyStderr(),
            "estimate " + r.entropy() + " ± " + r.entropyStderr() + " vs exact " + exact);
        LanguageStats.Result parallel = LanguageStats.compute(hmm, 20_000, new SplittableRandom(1), 2);
        assertEquals(r.entropy(), parallel.entropy(), 0.0, "threads do not change the numbers");
        assertEquals(length, r.meanLength(), 0.0);
    }

    @Test
    void entropyOfKnownDistributions() {
        assertEquals(Math.log(4), LanguageStats.entropy(new double[] {0.25, 0.25, 0.25, 0.25}), 1e-15);
        assertEquals(0.0, LanguageStats.entropy(new double[] {1, 0}), 0.0);
    }
}
