package flatlm.eval;

import flatlm.lang.Language;
import flatlm.util.BadInputException;
import flatlm.util.Parallel;

/**
 * The lookup table: the paper's baseline representation (Section 3), as features: the exact conditionals
 * p*(·|x_-i) of every position, concatenated, {@code [maxLength · V]}: position i occupies
 * columns {@code [i·V, (i+1)·V)}; positions past the sentence's end are zero. This is the
 * representation of a model with perfect pre-training loss whose features are the truth (its
 * output embedding being the identity); no model is involved. The lookup table has no layers;
 * its masked read ({@code position >= 0}, the model's {@link Representation.Read#MASKED}) is
 * {@code [p*(·|x_-p) ; onehot(x_p)]}, {@code [2V]}: what a perfect single-mask model's masked
 * state and the word's identity carry.
 */
public class LookupTable implements FeatureExtractor {
    private final Language language;
    private final int vocab;
    private final int maxLength;
    private final int threads;
    /** The masked read's word position; −1 = every position concatenated. */
    private final int position;

    public LookupTable(Language language, int threads, int position) {
        this.language = language;
        this.vocab = language.vocabulary().size();
        this.maxLength = language.maxLength();
        this.threads = Math.max(1, threads);
        if (position >= maxLength) throw new BadInputException("the masked read's position " + position
            + " is outside the sentences' 0.." + (maxLength - 1));
        this.position = Math.max(-1, position);
    }

    public LookupTable(Language language, int threads) {
        this(language, threads, -1);
    }

    public LookupTable(Language language) {
        this(language, 1);
    }

    @Override public int dimension() { return position < 0 ? maxLength * vocab : 2 * vocab; }

    @Override public String kind() { return "lookup"; }

    @Override
    public java.util.Map<String, Object> settings() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        if (position >= 0) {
            m.put("read", "masked");
            m.put("position", position);
        }
        return m; // ordered: results are written in this order
    }

    /** The features of one sentence: its conditionals, row after row, zero-padded to maxLength. */
    public double[] of(int[] words) {
        double[] out = new double[dimension()];
        fill(words, out, 0);
        return out;
    }

    private void fill(int[] words, double[] out, int offset) {
        if (words.length > maxLength) {
            throw new BadInputException("sentence of " + words.length + " words exceeds the language's maximum length " + maxLength);
        }
        double[][] cond;
        try {
            cond = language.conditionals(words);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("lookup table: the exact conditionals p*(.|x_-i) are undefined for a "
                + language.kind() + " task input (" + e.getMessage() + ")");
        }
        if (position >= 0) {
            if (position >= words.length) throw new BadInputException("the masked read's position " + position
                + " is past the end of a sentence of " + words.length + " words");
            System.arraycopy(cond[position], 0, out, offset, vocab);
            out[offset + vocab + words[position]] = 1;
            return;
        }
        for (int i = 0; i < cond.length; i++) System.arraycopy(cond[i], 0, out, offset + i * vocab, vocab);
    }

    @Override
    public FeatureMatrix extract(int[][] sentences) {
        FeatureMatrix m = FeatureMatrix.zeros(sentences.length, dimension());
        int d = dimension();
        Parallel.forEach(sentences.length, threads, r -> fill(sentences[r], m.data(), r * d));
        return m;
    }
}
