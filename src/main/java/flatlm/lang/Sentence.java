package flatlm.lang;

/**
 * A sampled sentence: word ids and the latent structure that generated it
 * (HMM hidden states, PCFG tree; null where the language has none).
 */
public record Sentence(int[] words, int[] states, ParseTree tree) {
    public Sentence(int[] words) {
        this(words, null, null);
    }

    public int length() {
        return words.length;
    }
}
