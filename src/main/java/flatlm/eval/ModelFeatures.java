package flatlm.eval;

import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The linear probe's features of a frozen model (paper Section 3, SPEC.md section 4): the final
 * hidden states of every word token ([CLS] and [SEP] excluded), concatenated,
 * {@code [maxLength · d]}: word position i occupies columns {@code [i·d, (i+1)·d)}; positions
 * past a sentence's end are zero. {@code maxLength} is the language's (at most the model's).
 * Each batch runs under a {@link NoGradGuard} inside its own {@link PointerScope}; the model is
 * put in evaluation mode (no dropout) for the extraction and restored afterwards.
 */
public final class ModelFeatures implements FeatureExtractor {
    public static final int DEFAULT_BATCH = 256;

    private final MlmModel model;
    private final int maxLength;
    private final int batch;

    public ModelFeatures(MlmModel model, int maxLength, int batch) {
        if (maxLength > model.maxLength()) {
            throw new BadInputException("the language's sentences (up to " + maxLength + " words) are longer than the model's "
                + model.maxLength() + " positions");
        }
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1");
        this.model = model;
        this.maxLength = maxLength;
        this.batch = batch;
    }

    public ModelFeatures(MlmModel model, int maxLength) {
        this(model, maxLength, DEFAULT_BATCH);
    }

    @Override public int dimension() { return maxLength * model.hiddenSize(); }

    @Override public String kind() { return "model"; }

    @Override
    public FeatureMatrix extract(int[][] sentences) {
        int d = model.hiddenSize();
        int dim = dimension();
        FeatureMatrix out = FeatureMatrix.zeros(sentences.length, dim);
        double[] data = out.data();
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        try {
            for (int start = 0; start < sentences.length; start += batch) {
                int b = Math.min(batch, sentences.length - start);
                int[][] chunk = new int[b][];
                for (int i = 0; i < b; i++) {
                    chunk[i] = sentences[start + i];
                    if (chunk[i].length > maxLength) {
                        throw new BadInputException("sentence of " + chunk[i].length + " words exceeds the maximum length " + maxLength);
                    }
                }
                double[] h;
                int t;
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    MlmBatch mb = MlmBatch.multiMask(chunk, new int[b][0]);
                    Tensor hidden = model.hidden(mb.inputIds(), mb.padMask());
                    t = mb.tokenLength();
                    h = Torch.toDoubles(hidden);
                }
                for (int i = 0; i < b; i++) {
                    int row = (start + i) * dim;
                    int len = chunk[i].length;
                    // word position p sits at token position p + 1
                    System.arraycopy(h, (i * t + 1) * d, data, row, len * d);
                }
            }
        } finally {
            model.setTraining(wasTraining);
        }
        return out;
    }
}
