package flatlm.train;

import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The linear probe's features as a differentiable function of the model: the final hidden
 * states of every word token (no [CLS]/[SEP]), zero for positions past a sentence's end,
 * concatenated to {@code [B, maxLength·d]}.
 */
public final class ProbeFeatures {
    private ProbeFeatures() {}

    public static Tensor of(MlmModel model, int[][] sentences) {
        int batch = sentences.length;
        int maxLength = model.maxLength();
        MlmBatch b = MlmBatch.multiMask(sentences, new int[batch][0]);
        Tensor h = model.hidden(b.inputIds(), b.padMask());
        int longest = b.tokenLength() - 2;
        int d = model.hiddenSize();
        double[] keep = new double[batch * longest];
        for (int s = 0; s < batch; s++) {
            if (sentences[s].length > maxLength) {
                throw new IllegalArgumentException("sentence of " + sentences[s].length + " words exceeds " + maxLength);
            }
            for (int i = 0; i < sentences[s].length; i++) keep[s * longest + i] = 1;
        }
        Tensor mask = Torch.floatingTensor(keep, Torch.scalarType(h), batch, longest, 1);
        Tensor words = h.narrow(1, 1, longest).mul(mask);
        if (longest < maxLength) {
            Tensor pad = torch.zeros(new long[] {batch, maxLength - longest, d}, h.options());
            words = torch.cat(new TensorVector(words, pad), 1);
        }
        return words.reshape(batch, (long) maxLength * d);
    }
}
