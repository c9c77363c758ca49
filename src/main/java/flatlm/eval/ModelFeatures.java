package flatlm.eval;

import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The linear probe's features of a frozen model (paper Section 3, SPEC.md section 4). By default
 * the paper's: the final hidden states of every word token ([CLS] and [SEP] excluded),
 * concatenated, {@code [maxLength · d]}: word position i occupies columns {@code [i·d, (i+1)·d)};
 * positions past a sentence's end are zero. {@code maxLength} is the language's (at most the
 * model's). A {@link Representation} chooses another layer state (same layout, its width) or the
 * masked read: {@code [h_k(x with x_p = [MASK])[p] ; h_0(x)[p]]}, the layer's state at the task's
 * position p with that word masked, then the word's own embedding output.
 * Each batch runs under a {@link NoGradGuard} inside its own {@link PointerScope}; the model is
 * put in evaluation mode (no dropout) for the extraction and restored afterwards.
 */
public final class ModelFeatures implements FeatureExtractor {
    public static final int DEFAULT_BATCH = 256;

    private final MlmModel model;
    private final int maxLength;
    private final int batch;
    private final Representation rep;
    /** The resolved layer state index. */
    private final int layer;
    /** The masked read's word position; −1 for the concat read. */
    private final int position;

    /**
     * Features of {@code rep} ({@code position}: the task's word position for the masked read,
     * ignored by the concat read). A layer the model does not have is a one-line error.
     */
    public ModelFeatures(MlmModel model, int maxLength, int batch, Representation rep, int position) {
        if (maxLength > model.maxLength()) {
            throw new BadInputException("the language's sentences (up to " + maxLength + " words) are longer than the model's "
                + model.maxLength() + " positions");
        }
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1");
        this.model = model;
        this.maxLength = maxLength;
        this.batch = batch;
        this.rep = rep;
        this.layer = rep.layerIn(model);
        if (rep.read() == Representation.Read.MASKED && (position < 0 || position >= maxLength))
            throw new BadInputException("the masked read's position " + position + " is outside the sentences' 0.." + (maxLength - 1));
        this.position = rep.read() == Representation.Read.MASKED ? position : -1;
    }

    public ModelFeatures(MlmModel model, int maxLength, Representation rep, int position) {
        this(model, maxLength, DEFAULT_BATCH, rep, position);
    }

    /** The paper's features: final layer, concatenated. */
    public ModelFeatures(MlmModel model, int maxLength, int batch) {
        this(model, maxLength, batch, Representation.DEFAULT, -1);
    }

    public ModelFeatures(MlmModel model, int maxLength) {
        this(model, maxLength, DEFAULT_BATCH);
    }

    @Override
    public int dimension() {
        int w = model.layerWidth(layer);
        return position < 0 ? maxLength * w : w + model.layerWidth(0);
    }

    @Override public String kind() { return "model"; }

    /** The resolved layer state index (the last one for {@link Representation#FINAL}). */
    public int layer() { return layer; }

    /** The representation's settings for results (none for the paper's default, so its output is unchanged). */
    @Override
    public Map<String, Object> settings() {
        if (rep.isDefault()) return Map.of();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", layer);
        m.put("layer_name", model.layerName(layer));
        m.put("read", rep.read().id);
        if (position >= 0) m.put("position", position);
        return m;
    }

    @Override
    public FeatureMatrix extract(int[][] sentences) {
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
                    if (position >= chunk[i].length) {
                        throw new BadInputException("the masked read's position " + position + " is past the end of a sentence of "
                            + chunk[i].length + " words");
                    }
                }
                if (position < 0) concat(chunk, start, dim, data);
                else masked(chunk, start, dim, data);
            }
        } finally {
            model.setTraining(wasTraining);
        }
        return out;
    }

    /** Layer {@code layer}'s state of every word, concatenated (word position p sits at token p + 1). */
    private void concat(int[][] chunk, int start, int dim, double[] data) {
        int w = model.layerWidth(layer);
        double[] h;
        int t;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch mb = MlmBatch.multiMask(chunk, new int[chunk.length][0]);
            Tensor hidden = layer == model.numLayerStates() - 1 ? model.hidden(mb.inputIds(), mb.padMask())
                : model.layerStates(mb.inputIds(), mb.padMask()).get(layer);
            t = mb.tokenLength();
            h = Torch.toDoubles(hidden);
        }
        for (int i = 0; i < chunk.length; i++) {
            System.arraycopy(h, i * t * w + w, data, (start + i) * dim, chunk[i].length * w);
        }
    }

    /** [layer state at p of the sentence with x_p masked ; embedding output at p of the sentence itself]. */
    private void masked(int[][] chunk, int start, int dim, double[] data) {
        int w = model.layerWidth(layer), w0 = model.layerWidth(0);
        int[] at = new int[chunk.length];
        java.util.Arrays.fill(at, position);
        double[] hm, h0;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            MlmBatch m = MlmBatch.singleMask(chunk, at);
            List<Tensor> ms = model.layerStates(m.inputIds(), m.padMask());
            hm = Torch.toDoubles(ms.get(layer).select(1, position + 1));
            MlmBatch plain = MlmBatch.multiMask(chunk, new int[chunk.length][0]);
            h0 = Torch.toDoubles(model.layerStates(plain.inputIds(), plain.padMask()).get(0).select(1, position + 1));
        }
        for (int i = 0; i < chunk.length; i++) {
            int row = (start + i) * dim;
            System.arraycopy(hm, i * w, data, row, w);
            System.arraycopy(h0, i * w0, data, row + w, w0);
        }
    }
}
