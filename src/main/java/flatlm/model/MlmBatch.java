package flatlm.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A masked-LM batch in the token layout of {@link Tokens}, built from word-id sentences.
 * The tensors are allocated when the batch is built: build it inside the step's
 * {@code PointerScope}.
 *
 * @param inputIds  {@code [B,T]} int64, {@code [CLS] w.. [SEP] [PAD]..} with the words to
 *                  predict replaced by their input token ([MASK] by default);
 *                  T = longest sentence + 2
 * @param padMask   {@code [B,T]} bool, true at [PAD]; null when no sentence is padded
 * @param rows      {@code [M]} int64: batch row of each prediction
 * @param cols      {@code [M]} int64: token position of each prediction (word position + 1)
 * @param targets   {@code [M]} int64: the original word (0..V-1) at each prediction
 * @param wordPositions the word positions (0-based) of the predictions, row by row, as in
 *                  {@code Language.conditionals}
 */
public record MlmBatch(Tensor inputIds, Tensor padMask, Tensor rows, Tensor cols, Tensor targets,
                       int batchSize, int tokenLength, int[][] wordPositions) {

    /** Number of predictions M. */
    public int predictions() {
        return (int) rows.size(0);
    }

    /** One masked word per sentence: {@code maskPositions[b]} is a word position of sentence b. */
    public static MlmBatch singleMask(int[][] sentences, int[] maskPositions) {
        if (maskPositions.length != sentences.length)
            throw new IllegalArgumentException(sentences.length + " sentences but " + maskPositions.length + " mask positions");
        int[][] m = new int[sentences.length][];
        for (int b = 0; b < m.length; b++) m[b] = new int[] {maskPositions[b]};
        return multiMask(sentences, m);
    }

    /** Several masked words per sentence (each replaced by [MASK]); a sentence may have none. */
    public static MlmBatch multiMask(int[][] sentences, int[][] maskPositions) {
        int[][] tokens = new int[maskPositions.length][];
        for (int b = 0; b < tokens.length; b++) {
            tokens[b] = new int[maskPositions[b].length];
            java.util.Arrays.fill(tokens[b], Tokens.MASK);
        }
        return withInputs(sentences, maskPositions, tokens);
    }

    /**
     * General form (e.g. BERT's 80/10/10 rule): predict the words at {@code predictPositions[b][j]}
     * while feeding token id {@code inputTokens[b][j]} there ([MASK], a word token, or the word itself).
     */
    public static MlmBatch withInputs(int[][] sentences, int[][] predictPositions, int[][] inputTokens) {
        int batch = sentences.length;
        if (batch == 0) throw new IllegalArgumentException("empty batch");
        if (predictPositions.length != batch || inputTokens.length != batch)
            throw new IllegalArgumentException("sentences, positions and input tokens differ in length");
        int maxLen = 0;
        int m = 0;
        for (int b = 0; b < batch; b++) {
            maxLen = Math.max(maxLen, sentences[b].length);
            if (inputTokens[b].length != predictPositions[b].length)
                throw new IllegalArgumentException("row " + b + ": positions and input tokens differ in length");
            m += predictPositions[b].length;
        }
        int t = maxLen + 2;
        long[] ids = new long[batch * t];
        boolean[] pad = new boolean[batch * t];
        boolean anyPad = false;
        long[] rows = new long[m];
        long[] cols = new long[m];
        long[] targets = new long[m];
        int k = 0;
        for (int b = 0; b < batch; b++) {
            int[] s = sentences[b];
            int base = b * t;
            ids[base] = Tokens.CLS;
            for (int i = 0; i < s.length; i++) {
                if (s[i] < 0) throw new IllegalArgumentException("negative word id " + s[i] + " in sentence " + b);
                ids[base + 1 + i] = Tokens.wordToken(s[i]);
            }
            ids[base + 1 + s.length] = Tokens.SEP;
            for (int j = s.length + 2; j < t; j++) {
                ids[base + j] = Tokens.PAD;
                pad[base + j] = true;
                anyPad = true;
            }
            for (int j = 0; j < predictPositions[b].length; j++) {
                int p = predictPositions[b][j];
                if (p < 0 || p >= s.length)
                    throw new IllegalArgumentException("mask position " + p + " outside sentence " + b + " of length " + s.length);
                rows[k] = b;
                cols[k] = p + 1;
                targets[k] = s[p];
                ids[base + 1 + p] = inputTokens[b][j];
                k++;
            }
        }
        int[][] wp = new int[batch][];
        for (int b = 0; b < batch; b++) wp[b] = predictPositions[b].clone();
        return new MlmBatch(
            Torch.longTensor(ids, batch, t),
            anyPad ? Torch.boolTensor(pad, batch, t) : null,
            Torch.longTensor(rows, m),
            Torch.longTensor(cols, m),
            Torch.longTensor(targets, m),
            batch, t, wp);
    }
}
