package flatlm.lang.dyck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.Vocabulary;
import flatlm.lang.DefinitionFiles;
import flatlm.util.BadInputException;
import flatlm.util.Names;
import flatlm.util.Shuffle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Bracket language of the paper's Section 6: strings of one bracket type of a fixed even length
 * n, drawn uniformly from the support: {@link Support#EQUAL_COUNT} (as many "(" as ")", in any
 * order: the paper's definition, which its theorem assumes) or {@link Support#DYCK} (proper Dyck
 * words: no prefix closes more than it opens). Word 0 is "(" ({@link #OPEN}), word 1 is ")"
 * ({@link #CLOSE}). Either way a single masked bracket is determined by the rest.
 * Downstream task "dyck" ({@link DyckTask}): n i.i.d. uniform brackets, regress #"(" − #")".
 */
public final class Dyck implements Language {
    public static final int OPEN = 0;
    public static final int CLOSE = 1;

    /** Which strings of length n have positive probability. */
    public enum Support {
        EQUAL_COUNT("equal-count"), DYCK("dyck");

        private final String id;

        Support(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** By id; {@code flatlm dyck}'s former names equal-counts and prefix-balanced are accepted too. */
        public static Support parse(String s) {
            if ("equal-counts".equals(s)) return EQUAL_COUNT;
            if ("prefix-balanced".equals(s)) return DYCK;
            return Names.parse(values(), Support::id, s, "dyck support");
        }

        /** Is {@code words} (0 = "(", 1 = ")") in this support: as many "(" as ")", and for DYCK no prefix below 0. */
        public boolean admits(int[] words) {
            int h = 0;
            for (int x : words) {
                h += x == OPEN ? 1 : -1;
                if (this == DYCK && h < 0) return false;
            }
            return h == 0;
        }
    }

    private final int n;
    private final Support support;
    private final Vocabulary vocabulary = new Vocabulary(List.of("(", ")"));

    /** Proper Dyck words of length n; n must be even and ≥ 2 (BadInputException otherwise). */
    public Dyck(int n) {
        this(n, Support.DYCK);
    }

    public Dyck(int n, Support support) {
        if (n < 2 || n % 2 != 0) throw new BadInputException("dyck: n must be even and >= 2, got " + n);
        this.n = n;
        this.support = support;
    }

    public Support support() {
        return support;
    }

    public static Dyck loadDefinition(Path dir) throws IOException {
        Path file = dir.resolve(DefinitionFiles.FILE);
        JsonNode root = DefinitionFiles.read(dir, "dyck");
        JsonNode nn = root.get("n");
        if (nn == null || !nn.isIntegralNumber() || !nn.canConvertToInt()) {
            throw new BadInputException(file + ": \"n\" must be an integer");
        }
        try {
            return new Dyck(nn.asInt(), Support.parse(root.path("support").asText("dyck")));
        } catch (BadInputException e) {
            throw new BadInputException(file + ": " + e.getMessage());
        }
    }

    /** The sentence length n. */
    public int n() { return n; }

    @Override public String kind() { return "dyck"; }

    @Override public Vocabulary vocabulary() { return vocabulary; }

    @Override public int maxLength() { return n; }

    /**
     * Exactly uniform over balanced strings, by counting completions: with m tokens left at
     * height h there are N(m,h) = C(m,k)·(h+1)/(m−k+1) completions, k = (m−h)/2 (ballot numbers),
     * so P("(") = N(m−1,h+1)/N(m,h) = k(h+2) / (m(h+1)).
     */
    @Override
    public Sentence sample(RandomGenerator rng) {
        if (support == Support.EQUAL_COUNT) return new Sentence(equalCount(rng), null, null);
        int[] words = new int[n];
        int h = 0;
        for (int i = 0; i < n; i++) {
            int m = n - i;
            double pOpen = openProbability(m, h);
            boolean open = pOpen >= 1 || (pOpen > 0 && rng.nextDouble() < pOpen);
            words[i] = open ? OPEN : CLOSE;
            h += open ? 1 : -1;
        }
        return new Sentence(words, null, null);
    }

    /** A uniform arrangement of n/2 "(" and n/2 ")": Fisher–Yates shuffle of a sorted string. */
    private int[] equalCount(RandomGenerator rng) {
        int[] words = new int[n];
        for (int i = n / 2; i < n; i++) words[i] = CLOSE;
        Shuffle.inPlace(words, rng);
        return words;
    }

    /** P(next = "(") for a uniform completion of m tokens from height h: k(h+2)/(m(h+1)), k = (m−h)/2. */
    static double openProbability(int m, int h) {
        int k = (m - h) / 2;
        return (double) k * (h + 2) / ((double) m * (h + 1));
    }

    /**
     * p*(x_i=v | x_-i) ∝ P(x with x_i=v) ∝ 1[x with x_i=v is balanced]. With heights H_j = Σ_{t&lt;j} ±1,
     * replacing x_i shifts H_j for j &gt; i by d ∈ {−2, 0, 2}; the result is balanced iff
     * H_n + d = 0, min_{j≤i} H_j ≥ 0 and min_{j&gt;i} H_j + d ≥ 0 (prefix/suffix minima, O(n) total).
     */
    @Override
    public double[][] conditionals(int[] words) {
        if (words.length != n) {
            throw new IllegalArgumentException("sentence has probability zero: length " + words.length
                + ", this Dyck language has length " + n);
        }
        int[] height = new int[n + 1];
        for (int i = 0; i < n; i++) height[i + 1] = height[i] + step(words[i], i);
        int[] prefixMin = new int[n + 1], suffixMin = new int[n + 2];
        prefixMin[0] = height[0];
        for (int j = 1; j <= n; j++) prefixMin[j] = Math.min(prefixMin[j - 1], height[j]);
        suffixMin[n + 1] = Integer.MAX_VALUE;
        for (int j = n; j >= 0; j--) suffixMin[j] = Math.min(suffixMin[j + 1], height[j]);
        boolean prefix = support == Support.DYCK;
        if (height[n] != 0 || (prefix && prefixMin[n] < 0)) {
            throw new IllegalArgumentException("sentence has probability zero: not a balanced string");
        }
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int v = 0; v < 2; v++) {
                int d = step(v, i) - step(words[i], i);
                boolean balanced = height[n] + d == 0 && (!prefix || (prefixMin[i] >= 0 && suffixMin[i + 1] + d >= 0));
                out[i][v] = balanced ? 1 : 0;
                z += out[i][v];
            }
            for (int v = 0; v < 2; v++) out[i][v] /= z; // z ≥ 1: x itself is balanced
        }
        return out;
    }

    /** +1 for "(", −1 for ")". */
    static int step(int word, int position) {
        if (word == OPEN) return 1;
        if (word == CLOSE) return -1;
        throw new IllegalArgumentException("word id " + word + " at position " + position + " is not 0 '(' or 1 ')'");
    }

    /**
     * The paper's input encoding in R^{2n} (n = words.length): position i ≠ maskPos contributes
     * +e_i for "(" (word 0) and −e_i for ")" (word 1); the masked position contributes e_{n+i}.
     * maskPos = −1 means no mask.
     */
    public static double[] encode(int[] words, int maskPos) {
        int len = words.length;
        if (maskPos < -1 || maskPos >= len) {
            throw new IllegalArgumentException("mask position " + maskPos + " out of range -1.." + (len - 1));
        }
        double[] x = new double[2 * len];
        for (int i = 0; i < len; i++) {
            if (i == maskPos) x[len + i] = 1;
            else x[i] = step(words[i], i);
        }
        return x;
    }

    @Override public List<DownstreamTask> tasks() { return List.of(new DyckTask(n)); }

    /** Writes {@code language.json} = {"kind":"dyck","n":n,"support":"equal-count"|"dyck"}. */
    @Override
    public void writeDefinition(Path dir) throws IOException {
        ObjectNode root = DefinitionFiles.newDefinition("dyck");
        root.put("n", n);
        root.put("support", support.id());
        DefinitionFiles.write(dir, root);
    }
}
