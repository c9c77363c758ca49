package flatlm.dyck;

import flatlm.lang.dyck.Dyck;
import flatlm.lang.dyck.Dyck.Support;
import flatlm.lang.dyck.DyckTask;
import flatlm.util.BadInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Inputs of the paper's Section 6, enumerated exactly. A sentence of n tokens is encoded as in
 * {@link Dyck#encode}: token t is {@code val[t] · e_{idx[t]}} in R^{2n} with idx = t, val = +1 for
 * "(", −1 for ")", and idx = n + t, val = +1 for the mask. Every token is one signed basis vector,
 * which the model exploits (sparse tokens, dense parameters).
 *
 * <p>Pre-training (MLM) inputs: every sentence of the support, every mask position; target
 * y = +1 if the masked bracket is "(", −1 if ")" (= −count of the unmasked brackets), uniform
 * weights. Downstream inputs: all 2^n bracket strings (i.i.d. uniform brackets, no mask), target
 * count = #"(" − #")".
 */
public final class DyckInputs {
    /** Largest n we enumerate (2^n downstream strings, C(n, n/2)·n masked inputs). */
    public static final int MAX_N = 16;

    /** One encoded input: token t is {@code val[t] · e_{idx[t]}}; {@code y} the target. */
    public record Input(int[] idx, double[] val, double y) {
        public int length() { return idx.length; }

        /** The dense 2n-dimensional encoding of token t. */
        public double[] dense(int t) {
            double[] z = new double[2 * idx.length];
            z[idx[t]] = val[t];
            return z;
        }
    }

    private DyckInputs() {}

    /** Checks 2 ≤ n ≤ MAX_N, n even. */
    public static void checkN(int n) {
        if (n < 2 || n % 2 != 0 || n > MAX_N) {
            throw new BadInputException("dyck: n must be even, between 2 and " + MAX_N + ", got " + n);
        }
    }

    /** All sentences of length n in the support (words 0 = "(", 1 = ")"), in lexicographic order. */
    public static List<int[]> sentences(int n, Support support) {
        checkN(n);
        List<int[]> out = new ArrayList<>();
        for (int bits = 0; bits < (1 << n); bits++) {
            int[] w = wordsOf(bits, n);
            if (support.admits(w)) out.add(w);
        }
        return out;
    }

    /** Word i of the string numbered {@code bits}: bit (n−1−i), so that numbering is lexicographic. */
    static int[] wordsOf(int bits, int n) {
        int[] w = new int[n];
        for (int i = 0; i < n; i++) w[i] = (bits >> (n - 1 - i)) & 1;
        return w;
    }

    /** Encodes a sentence with position {@code mask} masked (−1: none) and the given target. */
    public static Input encode(int[] words, int mask, double y) {
        int n = words.length;
        int[] idx = new int[n];
        double[] val = new double[n];
        for (int t = 0; t < n; t++) {
            if (t == mask) { idx[t] = n + t; val[t] = 1; }
            else { idx[t] = t; val[t] = words[t] == Dyck.OPEN ? 1 : -1; }
        }
        return new Input(idx, val, y);
    }

    /** The MLM target of a sentence with position {@code mask} masked: +1 for "(", −1 for ")". */
    public static double mlmTarget(int[] words, int mask) {
        return words[mask] == Dyck.OPEN ? 1 : -1;
    }

    /** Every (sentence, mask position) of the support: the exact pre-training distribution (uniform). */
    public static List<Input> mlm(int n, Support support) {
        List<Input> out = new ArrayList<>();
        for (int[] w : sentences(n, support)) {
            for (int i = 0; i < n; i++) out.add(encode(w, i, mlmTarget(w, i)));
        }
        return out;
    }

    /** A fresh MLM sample: a uniform sentence of the list, a uniform mask position. */
    public static Input sampleMlm(List<int[]> sentences, RandomGenerator rng) {
        int[] w = sentences.get(rng.nextInt(sentences.size()));
        int i = rng.nextInt(w.length);
        return encode(w, i, mlmTarget(w, i));
    }

    /** All 2^n downstream strings (uniform i.i.d. brackets, no mask), target = count. */
    public static List<Input> downstream(int n) {
        checkN(n);
        List<Input> out = new ArrayList<>(1 << n);
        for (int bits = 0; bits < (1 << n); bits++) {
            int[] w = wordsOf(bits, n);
            out.add(encode(w, -1, DyckTask.count(w)));
        }
        return out;
    }

    /** P(count > 0) for n i.i.d. uniform brackets: (1 − C(n, n/2)/2^n)/2. */
    public static double probPositiveCount(int n) {
        double central = 1;
        for (int k = 1; k <= n / 2; k++) central = central * (n / 2 + k) / k; // C(n, n/2)
        return (1 - central / Math.pow(2, n)) / 2;
    }
}
