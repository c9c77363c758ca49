package flatlm.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

import java.util.LinkedHashMap;

/**
 * A masked language model over the token layout of {@link Tokens}: the transformer
 * ({@link MlmTransformer}) and the bidirectional LSTM ({@link MlmLstm}).
 *
 * <p>All tensor-returning methods build autograd graphs on the model's parameters (unless
 * called under a {@code NoGradGuard}) and allocate native handles: call them inside a
 * {@code PointerScope}. The masked-LM distribution is over the language's words only.
 */
public interface MlmModel {
    /** Number of language words V. */
    int vocabWords();

    /** Longest sentence (in words) the model accepts. */
    int maxLength();

    /** Width of the final hidden states. */
    int hiddenSize();

    ModelConfig.DType dtype();

    /** Device the parameters live on ("cpu" by default). */
    String device();

    /**
     * Final hidden states {@code [B,T,hidden]} of token ids {@code inputIds [B,T]} (int64).
     * {@code padMask [B,T]} (bool, true at [PAD]) may be null when the batch has no padding.
     */
    Tensor hidden(Tensor inputIds, Tensor padMask);

    /**
     * Every layer's states {@code [B,T,width(k)]}, k = 0..{@link #numLayerStates()}−1, from one
     * forward pass: 0 = the embedding output, then each layer's output; the last is {@link #hidden}
     * (the same values). Used by the linear probe of any layer.
     */
    java.util.List<Tensor> layerStates(Tensor inputIds, Tensor padMask);

    /** Number of layer states (embedding output, each layer, the final LayerNorm where the model has one). */
    int numLayerStates();

    /** Width of layer state {@code layer}. */
    int layerWidth(int layer);

    /** What layer state {@code layer} is, for reports: "embedding", "block 1", "final LayerNorm", "lstm 2". */
    String layerName(int layer);

    /** Fails unless {@code 0 <= layer < numLayerStates()}. */
    default void checkLayer(int layer) {
        if (layer < 0 || layer >= numLayerStates())
            throw new IllegalArgumentException("layer " + layer + " outside 0.." + (numLayerStates() - 1));
    }

    /** Word logits {@code [...,V]} of hidden states {@code [...,hidden]} (the output head). */
    Tensor wordLogits(Tensor hidden);

    /**
     * Log-probabilities {@code [M,V]} over the words at token positions
     * {@code (rows[m], cols[m])} of the batch ({@code rows, cols}: int64 {@code [M]}).
     */
    default Tensor maskedLogProbs(Tensor inputIds, Tensor padMask, Tensor rows, Tensor cols) {
        Tensor h = hidden(inputIds, padMask);
        long len = h.size(1);
        Tensor flat = h.reshape(h.size(0) * len, h.size(2));
        Tensor idx = rows.to(h.device(), Torch.scalarType(rows)).mul(new org.bytedeco.pytorch.Scalar(len)).add(cols.to(h.device(), Torch.scalarType(cols)));
        return wordLogits(flat.index_select(0, idx)).log_softmax(1);
    }

    /**
     * Log-probabilities {@code [B,V]} over the words at one masked token position per
     * sentence ({@code maskPositions [B]} int64, token positions, i.e. word position + 1).
     * Padding is detected from {@code inputIds}.
     */
    default Tensor maskedLogProbs(Tensor inputIds, Tensor maskPositions) {
        Tensor pad = inputIds.eq(Torch.scalar(Tokens.PAD));
        if (!pad.any().item_bool()) pad = null;
        Tensor rows = org.bytedeco.pytorch.global.torch.arange(
            new org.bytedeco.pytorch.Scalar(inputIds.size(0)), Torch.longOptions()).to(inputIds.device(), org.bytedeco.pytorch.global.torch.ScalarType.Long);
        return maskedLogProbs(inputIds, pad, rows, maskPositions);
    }

    /** Log-probabilities {@code [M,V]} at the prediction positions of {@code batch}. */
    default Tensor logProbs(MlmBatch batch) {
        return maskedLogProbs(batch.inputIds(), batch.padMask(), batch.rows(), batch.cols());
    }

    /** Mean cross-entropy (nats) of the batch's targets: the standard masked-LM loss. */
    default Tensor loss(MlmBatch batch) {
        return MaskedLoss.of(MaskedLoss.Labels.DATA, MaskedLoss.Weighting.MEAN).loss(this, batch, null, null);
    }

    /** Named parameters in a fixed canonical order (the tensors themselves, requires_grad). */
    LinkedHashMap<String, Tensor> namedParameters();

    /** The parameters in canonical order, for an optimizer or {@code torch.grad}. */
    default TensorVector parameterVector() {
        return new TensorVector(namedParameters().values().toArray(new Tensor[0]));
    }

    default long numParameters() {
        long n = 0;
        for (Tensor t : namedParameters().values()) n += t.numel();
        return n;
    }

    /** Training mode enables dropout (no effect when dropout is 0). */
    void setTraining(boolean training);

    boolean isTraining();

    /** The configuration as JSON, stored in checkpoints' metadata. */
    String configJson();

    /** Kind of model, stored in checkpoints' metadata: "transformer" or "lstm". */
    String kind();

    /**
     * Copies values into the parameters (same names and shapes; converted to the model's
     * dtype and device). Every parameter must be present; throws {@link IllegalArgumentException}
     * otherwise, before modifying anything.
     */
    default void copyParametersFrom(java.util.Map<String, Tensor> values) {
        LinkedHashMap<String, Tensor> params = namedParameters();
        for (java.util.Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor src = values.get(e.getKey());
            if (src == null) throw new IllegalArgumentException("missing parameter " + e.getKey());
            if (!java.util.Arrays.equals(Torch.shape(src), Torch.shape(e.getValue())))
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape "
                    + java.util.Arrays.toString(Torch.shape(src)) + ", expected " + java.util.Arrays.toString(Torch.shape(e.getValue())));
        }
        try (org.bytedeco.javacpp.PointerScope s = new org.bytedeco.javacpp.PointerScope();
             org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            for (java.util.Map.Entry<String, Tensor> e : params.entrySet()) e.getValue().copy_(values.get(e.getKey()));
        }
    }

    /** Sets every parameter's gradient to undefined (as {@code zero_grad(set_to_none=true)}). */
    default void zeroGrad() {
        for (Tensor p : namedParameters().values()) {
            Tensor g = p.mutable_grad();
            if (g.defined()) p.mutable_grad().put(new Tensor());
        }
    }
}
