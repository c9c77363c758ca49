package flatlm.lang.hmm;

import flatlm.lang.Dirichlet;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.Vocabulary;
import flatlm.util.BadInputException;
import flatlm.util.Shuffle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A hidden Markov model with fixed-length sentences and exact MLM conditionals by
 * forward–backward (SPEC.md section 1).
 *
 * <p><b>Random block-diagonal construction</b> ({@link #random}): states {@code 0..S-1} and words
 * {@code 0..V-1} are each split into K contiguous blocks as evenly as possible (block b holds
 * {@code [b·S/K, (b+1)·S/K)}, integer division). A state's emission row is Dirichlet(α_E) over
 * the words of its block; its transition row is Dirichlet(α_T) over the states of its own block,
 * or, with {@code permutations} P &gt; 0, a near-permutation (below). α_T and α_E
 * ({@code transitionAlpha}, {@code emissionAlpha}) default to {@code alpha}.
 * With leakage ε &gt; 0 every row becomes (1−ε)·(block row) + ε·Dirichlet(α_T over all states,
 * resp. α_E over all words), so every block can reach every other. The initial distribution is uniform.
 *
 * <p><b>Near-permutation transitions</b> (Wei, Xie &amp; Ma 2021, "Why do pretrained language
 * models help in downstream tasks?"): for each block of m states, draw P uniform permutations
 * π_1..π_P of the block (Fisher–Yates) and g_1..g_P i.i.d. N(0,1); the block's transition matrix
 * is A_b = Σ_p w_p Π_p with w = softmax(g/τ) (τ = {@code temperature}) and Π_p the permutation
 * matrix of π_p, i.e. A[s, π_p(s)] += w_p. As τ → 0, A_b tends to the single permutation of the
 * largest g (for tiny τ the other weights underflow to exactly 0); as τ → ∞ to the uniform
 * average of the P permutations. The weights are drawn <b>once per block, not per row</b>:
 * then A_b is a convex combination of permutation matrices, hence doubly stochastic, so with the
 * uniform initial distribution (and ε = 0) the state marginal at every position stays uniform
 * (balanced hmm:k classes), and the τ → 0 limit is a permutation (the dynamics lose no
 * information). Per-row weights would make the limit a random map of the block into itself,
 * merging states, and would not be a permutation. Rows of a block are still distinct almost
 * surely (row s puts weight w_p on π_p(s), and each π_p is a bijection). Leakage mixes in as
 * above. Draw order: state by state, the block's permutations and g when s is the first state of
 * its block, then s's transition row (leak draw), then its emission row. With P = 0 the draws are
 * those of the plain construction, so configs without the new fields give the same matrices.
 *
 * <p>Words are named {@code "w0".."w{V-1}"}. Sentences have exactly {@code config.length()} words.
 *
 * <p>Downstream task {@code "hmm:k"} classifies the hidden state at <b>0-based</b> position k
 * (the paper's task-6 and task-10 are {@code "hmm:6"} and {@code "hmm:10"}).
 *
 * <p>The conditionals, posteriors and sentence probabilities come from {@link ForwardBackward}.
 */
public final class Hmm implements Language {
    /**
     * The random block-diagonal construction's parameters: number of hidden states, words,
     * blocks K, sentence length, Dirichlet concentration α, leakage ε between blocks, the
     * concentrations α_T of transition rows and α_E of emission rows (NaN given = α; stored
     * resolved), and the near-permutation transitions: {@code permutations} P (0 = off) and
     * their {@code temperature} τ (NaN when P = 0; required positive and finite when P &gt; 0).
     * Validated on construction (BadInputException naming the field).
     */
    public record Config(int states, int words, int blocks, int length, double alpha, double leakage,
                         double transitionAlpha, double emissionAlpha, int permutations, double temperature) {
        public Config {
            if (blocks < 1) throw new BadInputException("hmm config: blocks must be >= 1, got " + blocks);
            if (states < blocks) {
                throw new BadInputException("hmm config: states must be >= blocks, got states=" + states
                    + " blocks=" + blocks);
            }
            if (words < blocks) {
                throw new BadInputException("hmm config: words must be >= blocks, got words=" + words
                    + " blocks=" + blocks);
            }
            if (length < 1) throw new BadInputException("hmm config: length must be >= 1, got " + length);
            checkConcentration("alpha", alpha);
            if (!(leakage >= 0 && leakage <= 1)) {
                throw new BadInputException("hmm config: leakage must be in [0, 1], got " + leakage);
            }
            if (Double.isNaN(transitionAlpha)) transitionAlpha = alpha;
            if (Double.isNaN(emissionAlpha)) emissionAlpha = alpha;
            checkConcentration("transitionAlpha", transitionAlpha);
            checkConcentration("emissionAlpha", emissionAlpha);
            if (permutations < 0) {
                throw new BadInputException("hmm config: permutations must be >= 0 (0 = off), got " + permutations);
            }
            if (permutations == 0 && !Double.isNaN(temperature)) {
                throw new BadInputException("hmm config: temperature is only used with permutations > 0, got temperature="
                    + temperature + " with permutations=0");
            }
            if (permutations > 0 && (!(temperature > 0) || Double.isInfinite(temperature))) {
                throw new BadInputException("hmm config: temperature must be positive and finite when permutations > 0, got "
                    + temperature);
            }
        }

        /** The plain construction: α_T = α_E = α, no permutations. */
        public Config(int states, int words, int blocks, int length, double alpha, double leakage) {
            this(states, words, blocks, length, alpha, leakage, alpha, alpha, 0, Double.NaN);
        }

        private static void checkConcentration(String name, double a) {
            if (!(a > 0) || Double.isInfinite(a)) {
                throw new BadInputException("hmm config: " + name + " must be positive and finite, got " + a);
            }
        }

        public static Config defaults() { return new Config(100, 200, 10, 16, 0.2, 0.0); }

        /** This config with other transition and emission concentrations (NaN = alpha). */
        public Config withAlphas(double newTransitionAlpha, double newEmissionAlpha) {
            return new Config(states, words, blocks, length, alpha, leakage, newTransitionAlpha, newEmissionAlpha,
                permutations, temperature);
        }

        /** This config with near-permutation transitions: P permutations at temperature τ (P = 0, τ = NaN: off). */
        public Config withPermutations(int newPermutations, double newTemperature) {
            return new Config(states, words, blocks, length, alpha, leakage, transitionAlpha, emissionAlpha,
                newPermutations, newTemperature);
        }
    }

    private final Config config;
    private final Long seed; // null when unknown (a definition written without one)
    private final double[] initial;
    private final double[][] trans, emit; // as in ForwardBackward, which reads them (shared, never changed)
    private final Vocabulary vocabulary;
    private final ForwardBackward fb;

    /**
     * An HMM with the given matrices (copied). The matrices are validated (shapes, rows
     * non-negative and summing to 1 within 1e-9) with BadInputException naming matrix and row.
     */
    public Hmm(Config config, double[] initial, double[][] transition, double[][] emission, OptionalLong seed) {
        HmmDefinition.validate("hmm", config, initial, transition, emission);
        this.config = config;
        this.seed = seed.isPresent() ? seed.getAsLong() : null;
        this.initial = initial.clone();
        this.trans = deepCopy(transition);
        this.emit = deepCopy(emission);
        List<String> names = new ArrayList<>(config.words());
        for (int v = 0; v < config.words(); v++) names.add("w" + v);
        this.vocabulary = new Vocabulary(names);
        this.fb = new ForwardBackward(config.length(), this.initial, trans, emit, vocabulary);
    }

    /** The random block-diagonal HMM of {@code config} (see class comment); same seed, same HMM. */
    public static Hmm random(Config config, long seed) {
        RandomGenerator rng = new SplittableRandom(seed);
        int S = config.states(), V = config.words(), K = config.blocks(), P = config.permutations();
        double eps = config.leakage();
        double[] initial = new double[S];
        Arrays.fill(initial, 1.0 / S);
        double[][] trans = new double[S][];
        double[][] emit = new double[S][];
        double[][] mixture = null; // near-permutation matrix of the current block (P > 0)
        for (int s = 0; s < S; s++) {
            int b = blockOf(s, S, K);
            int lo = blockStart(b, S, K), hi = blockStart(b + 1, S, K);
            if (P == 0) {
                trans[s] = blockRow(config.transitionAlpha(), S, lo, hi, eps, rng);
            } else {
                if (s == lo) mixture = permutationMixture(hi - lo, P, config.temperature(), rng);
                trans[s] = leak(mixture[s - lo], S, lo, eps, config.transitionAlpha(), rng);
            }
            emit[s] = blockRow(config.emissionAlpha(), V, blockStart(b, V, K), blockStart(b + 1, V, K), eps, rng);
        }
        return new Hmm(config, initial, trans, emit, OptionalLong.of(seed));
    }

    /**
     * Σ_p w_p Π_p over m items: P uniform permutations π_p (Fisher–Yates), then g_p ~ N(0,1) and
     * w = softmax(g/τ) (computed as exp((g_p − max g)/τ) / Σ); entry [i][π_p(i)] += w_p.
     */
    static double[][] permutationMixture(int m, int P, double tau, RandomGenerator rng) {
        int[][] perms = new int[P][];
        for (int p = 0; p < P; p++) {
            perms[p] = Shuffle.permutation(m, rng);
        }
        double[] w = new double[P];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < P; p++) {
            w[p] = rng.nextGaussian();
            max = Math.max(max, w[p]);
        }
        double z = 0;
        for (int p = 0; p < P; p++) {
            w[p] = Math.exp((w[p] - max) / tau);
            z += w[p];
        }
        double[][] out = new double[m][m];
        for (int p = 0; p < P; p++) {
            double wp = w[p] / z;
            for (int i = 0; i < m; i++) out[i][perms[p][i]] += wp;
        }
        return out;
    }

    /** Reads {@code language.json} written by {@link #writeDefinition}; BadInputException on bad content. */
    public static Hmm loadDefinition(Path dir) throws IOException {
        return HmmDefinition.read(dir);
    }

    /** First index of block b when n items are split into K contiguous blocks: ⌊b·n/K⌋. */
    public static int blockStart(int b, int n, int K) {
        return (int) ((long) b * n / K);
    }

    /** The block of item i among n items split into K blocks: the largest b with ⌊b·n/K⌋ ≤ i, ⌊((i+1)·K − 1)/n⌋. */
    public static int blockOf(int i, int n, int K) {
        return (int) (((long) (i + 1) * K - 1) / n);
    }

    /** (1−ε)·Dirichlet(α over [lo,hi)) + ε·Dirichlet(α over all n); the second draw only when ε &gt; 0. */
    private static double[] blockRow(double alpha, int n, int lo, int hi, double eps, RandomGenerator rng) {
        return leak(Dirichlet.sample(alpha, hi - lo, rng), n, lo, eps, alpha, rng);
    }

    /** (1−ε)·block placed at [lo, lo+block.length) + ε·Dirichlet(α over all n); the draw only when ε &gt; 0. */
    private static double[] leak(double[] block, int n, int lo, double eps, double alpha, RandomGenerator rng) {
        double[] row = new double[n];
        for (int j = 0; j < block.length; j++) row[lo + j] = (1 - eps) * block[j];
        if (eps > 0) {
            double[] all = Dirichlet.sample(alpha, n, rng);
            for (int j = 0; j < n; j++) row[j] += eps * all[j];
        }
        return row;
    }

    // ---------------------------------------------------------------- accessors

    public Config config() { return config; }

    /** The seed of {@link #random}, if known. */
    public OptionalLong seed() { return seed == null ? OptionalLong.empty() : OptionalLong.of(seed); }

    public int numStates() { return config.states(); }

    public double[] initial() { return initial.clone(); }

    /** Copy of the transition matrix: {@code [s][t] = P(s_{i+1}=t | s_i=s)}. */
    public double[][] transition() { return deepCopy(trans); }

    /** Copy of the emission matrix: {@code [s][v] = P(x_i=v | s_i=s)}. */
    public double[][] emission() { return deepCopy(emit); }

    @Override public String kind() { return "hmm"; }

    @Override public Vocabulary vocabulary() { return vocabulary; }

    @Override public int maxLength() { return config.length(); }

    // ---------------------------------------------------------------- sampling

    /** s_0 ~ initial, x_i ~ emission[s_i], s_{i+1} ~ transition[s_i]; sentence of config.length() words. */
    @Override
    public Sentence sample(RandomGenerator rng) {
        int n = config.length();
        int[] words = new int[n];
        int[] states = new int[n];
        int s = draw(initial, fb.initLo, fb.initHi, rng);
        for (int i = 0; i < n; i++) {
            if (i > 0) s = draw(trans[states[i - 1]], fb.tLo[states[i - 1]], fb.tHi[states[i - 1]], rng);
            states[i] = s;
            words[i] = draw(emit[s], fb.eLo[s], fb.eHi[s], rng);
        }
        return new Sentence(words, states, null);
    }

    /** Inverse-CDF draw from p restricted to its non-zero range [lo, hi). */
    private static int draw(double[] p, int lo, int hi, RandomGenerator rng) {
        double u = rng.nextDouble();
        int last = lo;
        for (int j = lo; j < hi; j++) {
            if (p[j] > 0) {
                last = j;
                u -= p[j];
                if (u < 0) return j;
            }
        }
        return last; // rounding: u left ≥ 0 after the whole row
    }

    // ---------------------------------------------------------------- forward–backward

    /**
     * Exact MLM conditionals p*(x_i=v | x_-i), by one scaled forward–backward pass
     * ({@link ForwardBackward}); thread-safe.
     */
    @Override
    public double[][] conditionals(int[] words) {
        return fb.conditionals(words);
    }

    /** Posterior of the hidden states given the whole sentence, {@code [i][s] = P(s_i=s | x)}. */
    public double[][] posteriorStates(int[] words) {
        return fb.posteriorStates(words);
    }

    /** log P(x) = Σ_i log P(x_i | x_&lt;i); −∞ if impossible. */
    public double logProbability(int[] words) {
        return fb.logProbability(words);
    }

    /** P(x) = exp(log P(x)); 0 for an impossible sentence (and, for long sentences, possibly by underflow). */
    public double probability(int[] words) {
        return Math.exp(logProbability(words));
    }

    // ---------------------------------------------------------------- tasks, definition

    /** Tasks "hmm:6" and "hmm:10" (0-based positions), those shorter than the sentence length. */
    @Override
    public List<DownstreamTask> tasks() {
        List<DownstreamTask> out = new ArrayList<>();
        for (int k : new int[] {6, 10}) if (k < config.length()) out.add(task(k));
        return out;
    }

    /** Task "hmm:k": the hidden state at 0-based position k (0 ≤ k &lt; length), S classes. */
    public DownstreamTask task(int k) {
        if (k < 0 || k >= config.length()) {
            throw new IllegalArgumentException("task hmm:" + k + ": position must be in 0.."
                + (config.length() - 1) + " (0-based)");
        }
        return new HmmTask(this, k);
    }

    /** Any 0-based position of the sentence: {@code hmm:0 … hmm:(length − 1)}. */
    @Override
    public String taskNames() {
        int last = config.length() - 1;
        return last == 0 ? "hmm:0" : "hmm:0 … hmm:" + last;
    }

    /** Accepts "hmm:k" for any 0-based position k &lt; length, beyond those listed by {@link #tasks()}. */
    @Override
    public DownstreamTask task(String name) {
        if (name.startsWith("hmm:")) {
            int k;
            try {
                k = Integer.parseInt(name.substring(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unknown task '" + name + "' for hmm (expected hmm:<position>)");
            }
            return task(k);
        }
        return Language.super.task(name);
    }

    /** Writes {@code language.json} (config, seed if known, matrices at full double precision). */
    @Override
    public void writeDefinition(Path dir) throws IOException {
        HmmDefinition.write(dir, config, seed(), initial, trans, emit);
    }

    private static double[][] deepCopy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) c[i] = m[i].clone();
        return c;
    }
}
