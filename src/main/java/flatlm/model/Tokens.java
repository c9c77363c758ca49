package flatlm.model;

/**
 * Token layout shared by every masked-LM model of flatlm.
 *
 * <pre>
 *   [PAD]=0  [CLS]=1  [SEP]=2  [MASK]=3  language word w (0..V-1) = 4+w
 *   input of a sentence w_1..w_n:  [CLS] w_1 .. w_n [SEP] [PAD] ... [PAD]
 * </pre>
 *
 * Word position i (0-based, as in {@code Language.conditionals}) sits at token position i+1.
 * The masked-LM distribution at a masked position is a softmax over the language's V words
 * only (token ids 4..4+V-1): a special token can never be the answer.
 */
public final class Tokens {
    public static final int PAD = 0;
    public static final int CLS = 1;
    public static final int SEP = 2;
    public static final int MASK = 3;
    /** Token id of word 0; word w has token id {@code WORD_OFFSET + w}. */
    public static final int WORD_OFFSET = 4;
    public static final int NUM_SPECIAL = 4;

    private Tokens() {}

    public static int wordToken(int word) {
        return WORD_OFFSET + word;
    }

    /** Token position of word position {@code i} (after [CLS]). */
    public static int tokenPosition(int wordPosition) {
        return wordPosition + 1;
    }

    /** Number of token ids of a model over {@code vocabWords} words. */
    public static int tokenVocabulary(int vocabWords) {
        return NUM_SPECIAL + vocabWords;
    }
}
