package flatlm.lang.causal;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.Vocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The LM-generated language (the paper's OPT dataset): sentences of fixed length n sampled from
 * a causal LM q restricted to a vocabulary subset W (the language's words; the softmax is
 * renormalised over W at every step) at temperature τ, the first token conditioned on BOS:
 * q(x_j | x_&lt;j) = exp(l_{x_j}/τ) / Σ_{w ∈ W} exp(l_w/τ), l the logits after BOS x_&lt;j.
 *
 * <p>Exact MLM conditionals (the paper's formula):
 * p*(x_i = v | x_-i) ∝ Π_{j ≥ i} q(x_j | BOS, x_&lt;j) with x_i = v (the factors j &lt; i do not
 * depend on v). For each position i the prefix BOS x_&lt;i is computed once (key/value cache),
 * then each of the |W| alternatives runs the n−1−i suffix steps: |W|·n(n−1)/2 token steps and
 * as many |W|-way softmaxes per sentence, which is what the formula costs.
 *
 * <p>Hidden control prefix (optional, K = {@code controls.length} ≥ 2): a sentence is generated
 * after BOS c with c uniform over K control token ids (not words of the language). Then
 * p(x) = (1/K) Σ_c q(x | BOS c), the conditionals are
 * p*(x_i = v | x_-i) ∝ Σ_c q(x_&lt;i | c) · Π_{j ≥ i} q(x_j | c, x_&lt;j) with x_i = v, and task
 * {@code causal-lm:class} labels a sentence by c, with exact posterior P(c | x) ∝ q(x | BOS c).
 */
public final class CausalLm implements Language {
    public static final String KIND = "causal-lm";
    public static final String CLASS_TASK = KIND + ":class";

    private final OptModel model;
    private final Path generator;             // null for the built-in generator
    private final RandomOpt.Seeded builtIn;   // null for a generator directory
    private final int[] ids;        // language word a ↔ model token ids[a]
    private final int[] controls;   // hidden control token ids; empty = none
    private final int length;
    private final double temperature;
    private final Vocabulary vocabulary;
    private final double[] headT;   // head rows of ids, transposed
    private final ThreadLocal<Work> work;
    /** Alternatives run together through {@link OptBatch}. */
    private static final int BATCH = 32;

    /** A language over {@code ids} of {@code model}, named by {@code words} (validated by {@link CausalLmDefinition}). */
    CausalLm(OptModel model, Path generator, RandomOpt.Seeded builtIn, int[] ids, List<String> words, int length, double temperature,
             int[] controls) {
        this.model = model;
        this.generator = generator;
        this.builtIn = builtIn;
        this.ids = ids.clone();
        this.controls = controls.clone();
        this.length = length;
        this.temperature = temperature;
        this.vocabulary = new Vocabulary(words);
        this.headT = model.headRows(this.ids);
        int capacity = length + (this.controls.length > 0 ? 2 : 1);
        this.work = ThreadLocal.withInitial(() -> new Work(capacity));
    }

    public OptModel model() { return model; }

    /** The generator directory; null for the built-in random generator ({@link #builtIn}). */
    public Path generator() { return generator; }

    /** The built-in random generator's shape and seed ({@code language.generator: random}); null for a directory. */
    public RandomOpt.Seeded builtIn() { return builtIn; }

    /** The model token id of each word. */
    public int[] tokenIds() { return ids.clone(); }

    public int[] controlIds() { return controls.clone(); }

    public double temperature() { return temperature; }

    /** Components of the mixture: K with a control prefix, else 1. */
    public int components() { return Math.max(1, controls.length); }

    @Override public String kind() { return KIND; }

    @Override public Vocabulary vocabulary() { return vocabulary; }

    @Override public int maxLength() { return length; }

    /** Per-thread states and buffers. */
    private final class Work {
        final OptModel.State base;
        final OptBatch batch;
        final double[] h, logits, lp, hb, logitsB, s;
        final int[] tokens;

        Work(int capacity) {
            base = model.newState(capacity);
            int d = model.config().hidden(), B = Math.min(ids.length, BATCH);
            batch = new OptBatch(model, B, length);
            h = new double[d];
            logits = new double[ids.length];
            lp = new double[ids.length];
            hb = new double[B * d];
            logitsB = new double[B * ids.length];
            s = new double[B];
            tokens = new int[B];
        }
    }

    /** Resets {@code s} to the prefix BOS (c) of component c; h = its last hidden state. */
    private void start(OptModel.State s, int c, double[] h) {
        s.reset();
        model.step(s, model.config().bosTokenId(), h);
        if (controls.length > 0) model.step(s, controls[c], h);
    }

    /** lp = log q(· | context of h) over the words: log-softmax of logits/τ. */
    private void logSoftmax(double[] h, Work w, double[] lp) {
        model.logits(h, headT, w.logits);
        double max = Double.NEGATIVE_INFINITY;
        for (double l : w.logits) if (l > max) max = l;
        double z = 0;
        for (double l : w.logits) z += Math.exp((l - max) / temperature);
        double logZ = Math.log(z);
        for (int a = 0; a < lp.length; a++) lp[a] = (w.logits[a] - max) / temperature - logZ;
    }

    /** log q(word | context of h) alone (same normaliser). */
    private double logProbOf(double[] h, Work w, int word) {
        model.logits(h, headT, w.logits);
        return logProbOf(w.logits, 0, w.logits.length, word);
    }

    /** (l_word − max)/τ − log Σ_a exp((l_a − max)/τ) over logits[off, off+n). */
    private double logProbOf(double[] logits, int off, int n, int word) {
        double max = Double.NEGATIVE_INFINITY;
        for (int a = off; a < off + n; a++) if (logits[a] > max) max = logits[a];
        double z = 0;
        for (int a = off; a < off + n; a++) z += Math.exp((logits[a] - max) / temperature);
        return (logits[off + word] - max) / temperature - Math.log(z);
    }

    /** Ancestral sampling: c uniform (with controls), then x_j ~ q(· | BOS c x_&lt;j) for j = 0..n−1. */
    @Override
    public Sentence sample(RandomGenerator rng) {
        Work w = work.get();
        int c = controls.length > 0 ? rng.nextInt(controls.length) : 0;
        start(w.base, c, w.h);
        int[] words = new int[length];
        for (int j = 0; j < length; j++) {
            logSoftmax(w.h, w, w.lp);
            double u = rng.nextDouble();
            int pick = ids.length - 1;
            for (int a = 0; a < ids.length; a++) {
                u -= Math.exp(w.lp[a]);
                if (u < 0) { pick = a; break; }
            }
            words[j] = pick;
            if (j + 1 < length) model.step(w.base, ids[pick], w.h);
        }
        int[] states = null;
        if (controls.length > 0) {
            states = new int[length];
            Arrays.fill(states, c);
        }
        return new Sentence(words, states, null);
    }

    /** See the class comment; rows sum to 1. IllegalArgumentException for a wrong length or word id. */
    @Override
    public double[][] conditionals(int[] words) {
        double[][] total = rows(words, -1);
        for (int i = 0; i < words.length; i++) normalise(total[i], i);
        return total;
    }

    /**
     * Row {@code position} alone: the prefix up to it and the |W| suffixes from it, K·|W|·(n−1−i)
     * token steps instead of K·|W|·n(n−1)/2 (what exact-target training with one mask needs).
     */
    @Override
    public double[] conditional(int[] words, int position) {
        if (position < 0 || position >= words.length) {
            throw new IllegalArgumentException("position " + position + " out of range 0.." + (words.length - 1));
        }
        double[] row = rows(words, position)[position];
        normalise(row, position);
        return row;
    }

    /** Unnormalised log-weights of every row (only &lt; 0) or of row {@code only} (the other rows empty). */
    private double[][] rows(int[] words, int only) {
        check(words);
        int n = words.length, W = ids.length, K = components();
        Work w = work.get();
        double[][] total = new double[n][];
        for (int i = 0; i < n; i++) {
            if (only >= 0 && i != only) continue;
            total[i] = new double[W];
            Arrays.fill(total[i], Double.NEGATIVE_INFINITY);
        }
        for (int c = 0; c < K; c++) {
            start(w.base, c, w.h);
            double logPrefix = -Math.log(K); // log π_c + log q(x_<i | c)
            for (int i = 0; i < n; i++) {
                logSoftmax(w.h, w, w.lp);
                double[] lp = w.lp;
                if (only >= 0 && i != only) {
                    logPrefix += lp[words[i]];
                    model.step(w.base, ids[words[i]], w.h);
                    continue;
                }
                for (int a0 = 0; a0 < W; a0 += w.batch.capacity()) {
                    int rows = Math.min(w.batch.capacity(), W - a0);
                    for (int r = 0; r < rows; r++) w.s[r] = logPrefix + lp[a0 + r];
                    if (i + 1 < n) {
                        w.batch.start(w.base, rows);
                        for (int r = 0; r < rows; r++) w.tokens[r] = ids[a0 + r];
                        w.batch.step(w.tokens, w.hb);
                        for (int j = i + 1; j < n; j++) {
                            w.batch.logits(w.hb, headT, W, w.logitsB);
                            for (int r = 0; r < rows; r++) w.s[r] += logProbOf(w.logitsB, r * W, W, words[j]);
                            if (j + 1 < n) {
                                Arrays.fill(w.tokens, 0, rows, ids[words[j]]);
                                w.batch.step(w.tokens, w.hb);
                            }
                        }
                    }
                    for (int r = 0; r < rows; r++) total[i][a0 + r] = logAddExp(total[i][a0 + r], w.s[r]);
                }
                if (i == only) break;
                logPrefix += lp[words[i]];
                if (i + 1 < n) model.step(w.base, ids[words[i]], w.h);
            }
        }
        return total;
    }

    /** Posterior of the control class: P(c | x) ∝ q(x | BOS c) (uniform prior); [1.0] without controls. */
    public double[] classPosterior(int[] words) {
        check(words);
        int K = components();
        double[] logp = new double[K];
        for (int c = 0; c < K; c++) logp[c] = logProbability(words, c);
        normalise(logp, -1);
        return logp;
    }

    /** log q(x | BOS c) = Σ_j log q(x_j | BOS c x_&lt;j). */
    public double logProbability(int[] words, int c) {
        check(words);
        Work w = work.get();
        start(w.base, c, w.h);
        double s = 0;
        for (int j = 0; j < words.length; j++) {
            s += logProbOf(w.h, w, words[j]);
            if (j + 1 < words.length) model.step(w.base, ids[words[j]], w.h);
        }
        return s;
    }

    private void check(int[] words) {
        if (words.length != length) {
            throw new IllegalArgumentException("sentence has probability zero: length " + words.length
                + ", this language's sentences have length " + length);
        }
        for (int i = 0; i < words.length; i++) {
            if (words[i] < 0 || words[i] >= ids.length) {
                throw new IllegalArgumentException("word id " + words[i] + " at position " + i
                    + " out of range 0.." + (ids.length - 1));
            }
        }
    }

    /** In place: log-weights → probabilities, exp(l − max) / Σ. */
    private static void normalise(double[] logw, int position) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logw) if (l > max) max = l;
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("sentence has probability zero (underflow"
                + (position >= 0 ? " at position " + position : "") + ")");
        }
        double z = 0;
        for (int a = 0; a < logw.length; a++) z += logw[a] = Math.exp(logw[a] - max);
        for (int a = 0; a < logw.length; a++) logw[a] /= z;
    }

    private static double logAddExp(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) return b;
        if (b == Double.NEGATIVE_INFINITY) return a;
        double m = Math.max(a, b);
        return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    }

    /** {@code causal-lm:class} with K ≥ 2 control prefixes, else none. */
    @Override
    public List<DownstreamTask> tasks() {
        return controls.length >= 2 ? List.of(new CausalLmTask(this)) : List.of();
    }

    /**
     * {@code language.json}: the generator directory (absolute) and checksums, or for the built-in
     * generator its seed and shape; the words' token ids, n, τ, controls.
     */
    @Override
    public void writeDefinition(Path dir) throws IOException {
        CausalLmDefinition.write(dir, this);
    }
}
