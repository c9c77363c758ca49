package flatlm.eval;

import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.lang.Sentence;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.pcfg.Pcfg;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LookupTableTest {
    static void assertFeaturesAreTheConditionals(Language lang, int[] words, double[] f) {
        int v = lang.vocabulary().size();
        assertEquals(lang.maxLength() * v, f.length);
        double[][] cond = lang.conditionals(words);
        for (int i = 0; i < lang.maxLength(); i++) {
            for (int w = 0; w < v; w++) {
                double expected = i < words.length ? cond[i][w] : 0.0;
                assertEquals(expected, f[i * v + w], 0.0, "position " + i + " word " + w);
            }
        }
    }

    @Test
    void hmmFeaturesAreTheExactConditionals() {
        Hmm hmm = Hmm.random(new Hmm.Config(4, 8, 2, 6, 0.3, 0.0), 1);
        LookupTable lf = new LookupTable(hmm);
        SplittableRandom rng = new SplittableRandom(2);
        int[][] sentences = new int[5][];
        for (int s = 0; s < 5; s++) {
            sentences[s] = hmm.sample(rng).words();
            assertFeaturesAreTheConditionals(hmm, sentences[s], lf.of(sentences[s]));
        }
        FeatureMatrix m = new LookupTable(hmm, 2).extract(sentences);
        for (int s = 0; s < 5; s++) assertArrayEquals(lf.of(sentences[s]), m.row(s), 0.0);
    }

    @Test
    void shorterPcfgSentencesArePaddedWithZeros() throws Exception {
        Pcfg pcfg = Pcfg.authors();
        LookupTable lf = new LookupTable(pcfg);
        SplittableRandom rng = new SplittableRandom(3);
        boolean sawShort = false;
        for (int k = 0; k < 5; k++) {
            Sentence s = pcfg.sample(rng);
            sawShort |= s.length() < pcfg.maxLength();
            double[] f = lf.of(s.words());
            assertFeaturesAreTheConditionals(pcfg, s.words(), f);
            // each position's block sums to 1, padding to 0
            int v = pcfg.vocabulary().size();
            for (int i = 0; i < pcfg.maxLength(); i++) {
                double sum = 0;
                for (int w = 0; w < v; w++) sum += f[i * v + w];
                assertEquals(i < s.length() ? 1.0 : 0.0, sum, 1e-9);
            }
        }
        assertTrue(sawShort);
    }

    @Test
    void theLookupTableIsRefusedOnDyck() throws Exception {
        LanguageSpec spec = new LanguageSpec();
        spec.kind = "dyck";
        spec.n = 4;
        Language dyck = spec.build();
        BadInputException e = assertThrows(BadInputException.class, () ->
            Probe.lookup(dyck, dyck.task("dyck"), new Probe.Setup(10, 10, 1, 1, 0), LinearProbe.Options.defaults(), 1, null));
        assertTrue(e.getMessage().contains("dyck"), e.getMessage());
    }
}
