package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;
import flatlm.lang.dyck.Dyck.Support;
import flatlm.lang.dyck.Dyck;
import flatlm.lang.dyck.DyckTask;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputsTest {
    @Test
    void enumeratesBothSupports() {
        assertEquals(70, DyckInputs.sentences(8, Support.EQUAL_COUNT).size());   // C(8,4)
        assertEquals(14, DyckInputs.sentences(8, Support.DYCK).size()); // Catalan(4)
        assertEquals(560, DyckInputs.mlm(8, Support.EQUAL_COUNT).size());
        assertEquals(256, DyckInputs.downstream(8).size());
    }

    @Test
    void prefixSupportIsWhatTheDyckLanguageSamples() {
        Set<String> support = new HashSet<>();
        for (int[] w : DyckInputs.sentences(6, Support.DYCK)) support.add(java.util.Arrays.toString(w));
        Dyck dyck = new Dyck(6);
        SplittableRandom rng = new SplittableRandom(3);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            String s = java.util.Arrays.toString(dyck.sample(rng).words());
            assertTrue(support.contains(s), s);
            seen.add(s);
        }
        assertEquals(support, seen);
    }

    @Test
    void encodingAndTargetsMatchTheLanguagePackage() {
        for (int[] w : DyckInputs.sentences(6, Support.EQUAL_COUNT)) {
            for (int i = 0; i < 6; i++) {
                Input x = DyckInputs.encode(w, i, DyckInputs.mlmTarget(w, i));
                double[] dense = new double[12];
                for (int t = 0; t < 6; t++) {
                    double[] z = x.dense(t);
                    for (int k = 0; k < 12; k++) dense[k] += z[k];
                }
                assertArrayEquals(Dyck.encode(w, i), dense, 0);
                int unmasked = DyckTask.count(w) - (w[i] == Dyck.OPEN ? 1 : -1);
                assertEquals(-unmasked, x.y(), 0, "target = minus the count of the unmasked brackets");
            }
        }
        for (Input x : DyckInputs.downstream(4)) {
            double c = 0;
            for (int t = 0; t < 4; t++) { assertTrue(x.idx()[t] < 4); c += x.val()[t]; }
            assertEquals(c, x.y(), 0);
        }
    }

    @Test
    void probabilityOfAPositiveCountMatchesEnumeration() {
        for (int n : new int[]{2, 4, 8}) {
            List<Input> all = DyckInputs.downstream(n);
            double pos = all.stream().filter(x -> x.y() > 0).count() / (double) all.size();
            assertEquals(pos, DyckInputs.probPositiveCount(n), 1e-15);
        }
    }

    @Test
    void theExperimentsSentencesAreTheDyckLanguagesSupport() {
        // one support predicate: the experiment enumerates exactly the strings the language gives positive probability
        for (Support support : Support.values()) {
            flatlm.lang.dyck.Dyck lang = new flatlm.lang.dyck.Dyck(6, support);
            java.util.Set<String> enumerated = new java.util.HashSet<>();
            for (int[] w : DyckInputs.sentences(6, support)) enumerated.add(java.util.Arrays.toString(w));
            int positive = 0;
            for (int bits = 0; bits < 64; bits++) {
                int[] w = new int[6];
                for (int i = 0; i < 6; i++) w[i] = (bits >> (5 - i)) & 1;
                boolean inLanguage;
                try {
                    lang.conditionals(w);
                    inLanguage = true;
                } catch (IllegalArgumentException e) {
                    inLanguage = false;
                }
                assertEquals(inLanguage, enumerated.contains(java.util.Arrays.toString(w)), support + " " + java.util.Arrays.toString(w));
                if (inLanguage) positive++;
            }
            assertEquals(support == Support.DYCK ? 5 : 20, positive, "Catalan(3) proper words, C(6,3) equal-count strings");
        }
    }

    @Test
    void rejectsBadLengthsAndSupports() {
        assertThrows(BadInputException.class, () -> DyckInputs.mlm(5, Support.EQUAL_COUNT));
        assertThrows(BadInputException.class, () -> DyckInputs.downstream(18));
        assertThrows(BadInputException.class, () -> Support.parse("nested"));
        assertEquals(Support.DYCK, Support.parse("prefix-balanced"));
        assertEquals(Support.EQUAL_COUNT, Support.parse("equal-counts"));
        assertEquals(Support.EQUAL_COUNT, Support.parse("equal-count"));
    }
}
