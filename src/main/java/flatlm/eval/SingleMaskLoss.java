package flatlm.eval;

/**
 * The weighting of (sentence, position) pairs in the pre-training loss, one choice shared by
 * everything that measures that loss: the exact loss of saturation ({@link ExactLoss}), the
 * training batches (one uniform masked position per sentence) and the loss whose Hessian trace is
 * Tr(H) ({@code flatness.ContextSource}: a sentence, then a position uniform in it).
 *
 * <p>The single-mask MLM loss: L = E_{x~p} [ (1/|x|) Σ_{i<|x|} ℓ(x, i) ]. Every sentence weighs 1
 * and its positions 1/|x| each. On a fixed-length language (HMM, Dyck) this is the mean over
 * tokens; on a PCFG it weighs a word of a short sentence more than one of a long sentence (a
 * mean over tokens, Σ_x Σ_i ℓ / Σ_x |x|, would weigh sentences by their length, and "saturated"
 * and "Tr(H)" would describe two different losses).
 */
public final class SingleMaskLoss {
    private SingleMaskLoss() {}

    /** Weight of one position of a sentence of {@code length} words among {@code sentences} sentences. */
    public static double weight(int length, int sentences) {
        return 1.0 / ((double) length * sentences);
    }
}
