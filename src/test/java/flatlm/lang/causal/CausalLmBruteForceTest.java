package flatlm.lang.causal;

import flatlm.lang.Sentence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exact conditionals, class posterior and sampler of the causal-LM language against brute-force
 * enumeration of every sentence (3 words, length 4: 81 sentences), with sentence probabilities
 * from the naive forward of {@link TinyOpt}: P(x) = Σ_c π_c Π_j softmax_W(logits/τ)[x_j].
 */
class CausalLmBruteForceTest {
    @TempDir Path tmp;

    private static final int[] WORD_IDS = {5, 3, 6};
    private static final int N = 4;

    /** log q(x | BOS prefix) by the naive forward, the softmax over WORD_IDS at temperature τ. */
    private static double logQ(TinyOpt t, int[] prefix, int[] words, double tau) {
        int[] seq = new int[prefix.length + words.length];
        System.arraycopy(prefix, 0, seq, 0, prefix.length);
        for (int j = 0; j < words.length; j++) seq[prefix.length + j] = WORD_IDS[words[j]];
        double[][] logits = t.logits(seq);
        double s = 0;
        for (int j = 0; j < words.length; j++) {
            double[] l = logits[prefix.length - 1 + j];
            double z = 0;
            for (int id : WORD_IDS) z += Math.exp(l[id] / tau);
            s += l[WORD_IDS[words[j]]] / tau - Math.log(z);
        }
        return s;
    }

    private static int[] decode(int code) {
        int[] x = new int[N];
        for (int j = N - 1; j >= 0; j--) { x[j] = code % 3; code /= 3; }
        return x;
    }

    private static int encode(int[] x) {
        int c = 0;
        for (int v : x) c = 3 * c + v;
        return c;
    }

    private void compare(TinyOpt t, double tau, int[] controls) throws Exception {
        Path dir = t.write(tmp.resolve("g" + controls.length), "model.");
        Path ids = tmp.resolve("ids.txt");
        Files.writeString(ids, "# words\n5\n3\n# (a blank line here is an error: BadInputsTest)\n6\n\n");
        CausalLm lm = CausalLmDefinition.build(dir, ids, N, tau, controls);
        int K = Math.max(1, controls.length), total = 81;
        double[][] joint = new double[total][K]; // P(x, c)
        double sum = 0;
        for (int code = 0; code < total; code++) {
            for (int c = 0; c < K; c++) {
                int[] prefix = controls.length == 0 ? new int[] {0} : new int[] {0, controls[c]};
                joint[code][c] = Math.exp(logQ(t, prefix, decode(code), tau)) / K;
                sum += joint[code][c];
            }
        }
        assertEquals(1.0, sum, 1e-12, "the language's sentences have total probability 1");
        double[] px = new double[total];
        for (int code = 0; code < total; code++) for (int c = 0; c < K; c++) px[code] += joint[code][c];
        for (int code = 0; code < total; code += 7) {
            int[] x = decode(code);
            double[][] p = lm.conditionals(x);
            for (int i = 0; i < N; i++) {
                double z = 0;
                double[] want = new double[3];
                for (int v = 0; v < 3; v++) {
                    int[] y = x.clone();
                    y[i] = v;
                    want[v] = px[encode(y)];
                    z += want[v];
                }
                for (int v = 0; v < 3; v++) assertEquals(want[v] / z, p[i][v], 1e-9, "sentence " + code + " position " + i);
            }
            double[] post = lm.classPosterior(x);
            for (int c = 0; c < K; c++) assertEquals(joint[code][c] / px[code], post[c], 1e-9);
        }
        // sampler: empirical frequencies of the 81 sentences against P(x)
        SplittableRandom rng = new SplittableRandom(5);
        int m = 40000;
        Map<Integer, Integer> counts = new HashMap<>();
        for (int s = 0; s < m; s++) {
            Sentence sent = lm.sample(rng);
            counts.merge(encode(sent.words()), 1, Integer::sum);
            if (K > 1) assertEquals(N, sent.states().length);
        }
        double chi2 = 0;
        for (int code = 0; code < total; code++) {
            double e = m * px[code];
            double o = counts.getOrDefault(code, 0);
            chi2 += (o - e) * (o - e) / e;
        }
        assertTrue(chi2 < 80 + 5 * Math.sqrt(160), "sampler chi-square " + chi2 + " with 80 degrees of freedom");
    }

    @Test
    void oneGeneratorMatchesEnumeration() throws Exception {
        compare(new TinyOpt(8, 4, 2, 6, 2, 8, true, true, 21), 1.0, new int[0]);
    }

    @Test
    void temperatureAndUntiedHead() throws Exception {
        compare(new TinyOpt(8, 6, 3, 5, 1, 8, true, false, 22), 0.7, new int[0]);
    }

    @Test
    void controlPrefixMixtureMatchesEnumeration() throws Exception {
        compare(new TinyOpt(8, 4, 2, 6, 2, 8, true, true, 23), 1.3, new int[] {7, 1, 4});
    }

    @Test
    void severalBatchesOfAlternativesMatchSentenceProbabilities() throws Exception {
        TinyOpt t = new TinyOpt(80, 4, 2, 6, 2, 8, true, false, 25);
        CausalLm lm = CausalLmDefinition.build(t.write(tmp.resolve("g"), ""), (Path) null, 3, 0.9, new int[] {78, 79});
        int W = lm.vocabulary().size();
        assertEquals(75, W, "80 ids without bos, pad, eos and the 2 controls");
        int[] x = {3, 70, 41};
        double[][] p = lm.conditionals(x);
        for (int i = 0; i < 3; i++) {
            double[] want = new double[W];
            double z = 0;
            for (int v = 0; v < W; v++) {
                int[] y = x.clone();
                y[i] = v;
                want[v] = Math.exp(lm.logProbability(y, 0)) + Math.exp(lm.logProbability(y, 1));
                z += want[v];
            }
            for (int v = 0; v < W; v++) assertEquals(want[v] / z, p[i][v], 1e-12, "position " + i + " word " + v);
        }
    }

    @Test
    void conditionalsAreDeterministicAndRowsSumToOne() throws Exception {
        TinyOpt t = new TinyOpt(8, 4, 2, 6, 2, 8, true, true, 24);
        CausalLm lm = CausalLmDefinition.build(t.write(tmp.resolve("g"), ""), (Path) null, N, 1.0, new int[0]);
        // default vocabulary: ids 0..7 without bos 0, pad 1, eos 2
        assertArrayEquals(new int[] {3, 4, 5, 6, 7}, lm.tokenIds());
        int[] x = {4, 0, 2, 2};
        double[][] p = lm.conditionals(x);
        for (double[] row : p) {
            double s = 0;
            for (double v : row) s += v;
            assertEquals(1.0, s, 1e-12);
        }
        assertArrayEquals(p[2], lm.conditionals(x)[2], 0.0);
    }
}
