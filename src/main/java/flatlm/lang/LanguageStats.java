package flatlm.lang;

import flatlm.util.Parallel;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Statistics of a language over sampled sentences: the entropy of the true MLM conditional
 * per token (the floor of the MLM loss), the length distribution, label class counts, and the
 * throughput of exact conditionals.
 */
public final class LanguageStats {
    /** Label class counts of one task, and the sentences it leaves unlabelled. */
    public record LabelCounts(Map<Integer, Long> counts, long unlabelled) {}

    /** Results of {@link #compute}. */
    public record Result(
        long sentences,
        long tokens,
        double entropy,
        double entropyStderr,
        double meanLength,
        Map<Integer, Long> lengthCounts,
        Map<String, LabelCounts> labelCounts,
        double conditionalsSeconds,
        double sentencesPerSecond,
        int threads) {}

    private LanguageStats() {}

    /**
     * Entropy per token as a ratio estimator over sentences s with n_s tokens and
     * E_s = Σ_i H(p*(·|x_-i)): Ĥ = Σ_s E_s / Σ_s n_s, with the standard error clustered by
     * sentence: se² = Σ_s (E_s − Ĥ n_s)² / (m (m−1) n̄²).
     */
    public static Result compute(Language language, int sentences, RandomGenerator rng, int threads) {
        if (sentences < 2) throw new IllegalArgumentException("need at least 2 sentences");
        List<Sentence> sample = language.sample(sentences, rng);
        Entropy e = entropyPerToken(language, sample, threads);
        Map<Integer, Long> lengths = new TreeMap<>();
        for (Sentence s : sample) lengths.merge(s.length(), 1L, Long::sum);
        Map<String, LabelCounts> labels = new LinkedHashMap<>();
        for (DownstreamTask task : language.tasks()) labels.put(task.name(), labelCounts(task, sample));
        return new Result(sentences, e.tokens(), e.perToken(), e.stderr(), (double) e.tokens() / sentences, lengths, labels,
            e.seconds(), sentences / e.seconds(), Math.max(1, threads));
    }

    /** The entropy per token of a sample, its standard error, the tokens, and the seconds its conditionals took. */
    public record Entropy(double perToken, double stderr, long tokens, double seconds) {}

    /** The ratio estimator Ĥ above and its clustered standard error on {@code sample} (at least 2 sentences). */
    public static Entropy entropyPerToken(Language language, List<Sentence> sample, int threads) {
        int sentences = sample.size();
        if (sentences < 2) throw new IllegalArgumentException("need at least 2 sentences");
        double[] sentenceEntropy = new double[sentences];
        long start = System.nanoTime();
        Parallel.forEach(sentences, threads, s ->
            sentenceEntropy[s] = sentenceEntropy(language.conditionals(sample.get(s).words())));
        double seconds = (System.nanoTime() - start) / 1e9;

        long tokens = 0;
        double totalEntropy = 0;
        for (int s = 0; s < sentences; s++) {
            tokens += sample.get(s).length();
            totalEntropy += sentenceEntropy[s];
        }
        double h = totalEntropy / tokens;
        double meanLength = (double) tokens / sentences;
        double ss = 0;
        for (int s = 0; s < sentences; s++) {
            double r = sentenceEntropy[s] - h * sample.get(s).length();
            ss += r * r;
        }
        double stderr = Math.sqrt(ss / ((double) sentences * (sentences - 1))) / meanLength;
        return new Entropy(h, stderr, tokens, seconds);
    }

    /** The class counts of {@code task}'s labels over {@code sample}, and the sentences it leaves unlabelled. */
    public static LabelCounts labelCounts(DownstreamTask task, List<Sentence> sample) {
        Map<Integer, Long> counts = new TreeMap<>();
        long unlabelled = 0;
        for (Sentence sentence : sample) {
            OptionalInt label = task.labelOf(sentence);
            if (label.isPresent()) counts.merge(label.getAsInt(), 1L, Long::sum);
            else unlabelled++;
        }
        return new LabelCounts(counts, unlabelled);
    }

    /**
     * The throughput of {@code language.conditionals} on one thread over {@code data}: 5 warm-up
     * rounds, then 5 timed rounds, each printed to {@code out}; returns the best rate (sentences/s).
     */
    public static double conditionalsRate(Language language, List<Sentence> data, PrintStream out) {
        long tokens = data.stream().mapToLong(Sentence::length).sum();
        double sink = 0;
        for (int r = 0; r < 5; r++) for (Sentence s : data) sink += language.conditionals(s.words())[0][0];
        double best = 0;
        for (int r = 0; r < 5; r++) {
            long t0 = System.nanoTime();
            for (Sentence s : data) sink += language.conditionals(s.words())[0][0];
            double rate = data.size() / ((System.nanoTime() - t0) / 1e9);
            best = Math.max(best, rate);
            out.printf("  round %d: %.0f sentences/s (%.0f tokens/s)%n", r, rate, rate * tokens / data.size());
        }
        out.printf("conditionals(): best %.0f sentences/s on one thread (checksum %.4f)%n", best, sink);
        return best;
    }

    /** Σ_i H(p_i) in nats for one sentence's conditionals. */
    public static double sentenceEntropy(double[][] conditionals) {
        double total = 0;
        for (double[] row : conditionals) total += entropy(row);
        return total;
    }

    /** H(p) = −Σ_v p_v log p_v (nats). */
    public static double entropy(double[] p) {
        double h = 0;
        for (double q : p) if (q > 0) h -= q * Math.log(q);
        return h;
    }
}
