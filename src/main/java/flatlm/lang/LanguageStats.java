package flatlm.lang;

import flatlm.util.Parallel;

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
        double[] sentenceEntropy = new double[sentences];
        long start = System.nanoTime();
        Parallel.forEach(sentences, threads, s ->
            sentenceEntropy[s] = sentenceEntropy(language.conditionals(sample.get(s).words())));
        double seconds = (System.nanoTime() - start) / 1e9;

        long tokens = 0;
        double totalEntropy = 0;
        Map<Integer, Long> lengths = new TreeMap<>();
        for (int s = 0; s < sentences; s++) {
            int n = sample.get(s).length();
            tokens += n;
            totalEntropy += sentenceEntropy[s];
            lengths.merge(n, 1L, Long::sum);
        }
        double h = totalEntropy / tokens;
        double meanLength = (double) tokens / sentences;
        double ss = 0;
        for (int s = 0; s < sentences; s++) {
            double r = sentenceEntropy[s] - h * sample.get(s).length();
            ss += r * r;
        }
        double stderr = Math.sqrt(ss / ((double) sentences * (sentences - 1))) / meanLength;

        Map<String, LabelCounts> labels = new LinkedHashMap<>();
        for (DownstreamTask task : language.tasks()) {
            Map<Integer, Long> counts = new TreeMap<>();
            long unlabelled = 0;
            for (Sentence sentence : sample) {
                OptionalInt label = task.labelOf(sentence);
                if (label.isPresent()) counts.merge(label.getAsInt(), 1L, Long::sum);
                else unlabelled++;
            }
            labels.put(task.name(), new LabelCounts(counts, unlabelled));
        }
        return new Result(sentences, tokens, h, stderr, meanLength, lengths, labels, seconds,
            sentences / seconds, Math.max(1, threads));
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
