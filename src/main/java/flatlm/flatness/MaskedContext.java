package flatlm.flatness;

/**
 * One prediction of the single-mask pre-training loss: a sentence (word ids), the masked word
 * position, and the exact conditional {@code truth[v] = p*(x_i = v | x_-i)} (null when unknown
 * or not needed). The data label is {@code words[position]}.
 */
public record MaskedContext(int[] words, int position, double[] truth) {
    public MaskedContext {
        if (position < 0 || position >= words.length)
            throw new IllegalArgumentException("position " + position + " outside a sentence of length " + words.length);
    }

    public int label() {
        return words[position];
    }
}
