package flatlm.train;

import flatlm.model.MlmBatch;
import flatlm.model.Tokens;

import java.util.random.RandomGenerator;

/**
 * Which words of a sentence are predicted, and what the model sees there.
 * {@code single}: one uniform position per sentence, replaced by [MASK] (the paper's setting).
 * {@code bert}: each position with probability 15%, at least 1 and at most 5 per sentence;
 * the input there is [MASK] (80%), a uniform random word (10%) or the word itself (10%).
 */
public final class Masking {
    public static final double BERT_RATE = 0.15;
    public static final int BERT_MAX = 5;

    private final String kind;
    private final int vocabWords;

    public Masking(String kind, int vocabWords) {
        if (!kind.equals("single") && !kind.equals("bert")) throw new IllegalArgumentException("masking " + kind);
        this.kind = kind;
        this.vocabWords = vocabWords;
    }

    /** A batch over {@code sentences}; allocates tensors, so call inside the step's PointerScope. */
    public MlmBatch batch(int[][] sentences, RandomGenerator rng) {
        if (kind.equals("single")) {
            int[] positions = new int[sentences.length];
            for (int b = 0; b < sentences.length; b++) positions[b] = rng.nextInt(sentences[b].length);
            return MlmBatch.singleMask(sentences, positions);
        }
        int[][] positions = new int[sentences.length][];
        int[][] inputs = new int[sentences.length][];
        for (int b = 0; b < sentences.length; b++) {
            positions[b] = bertPositions(sentences[b].length, rng);
            inputs[b] = new int[positions[b].length];
            for (int j = 0; j < positions[b].length; j++) {
                double u = rng.nextDouble();
                int word = sentences[b][positions[b][j]];
                inputs[b][j] = u < 0.8 ? Tokens.MASK
                    : u < 0.9 ? Tokens.wordToken(rng.nextInt(vocabWords)) : Tokens.wordToken(word);
            }
        }
        return MlmBatch.withInputs(sentences, positions, inputs);
    }

    /** Positions chosen with probability 15% each, then trimmed to at most 5 (at least 1). */
    static int[] bertPositions(int n, RandomGenerator rng) {
        int[] chosen = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) if (rng.nextDouble() < BERT_RATE) chosen[k++] = i;
        if (k == 0) chosen[k++] = rng.nextInt(n);
        // partial Fisher–Yates keeps a uniform subset of size BERT_MAX, then restore order
        for (int j = 0; j < Math.min(k, BERT_MAX); j++) {
            int r = j + rng.nextInt(k - j);
            int t = chosen[j];
            chosen[j] = chosen[r];
            chosen[r] = t;
        }
        int[] out = java.util.Arrays.copyOf(chosen, Math.min(k, BERT_MAX));
        java.util.Arrays.sort(out);
        return out;
    }
}
