package flatlm.model;

import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Global magnitude pruning of a masked-LM's encoder matrices (the pruning experiment: a model
 * pruned at sparsity 0%, 10%, ..., 90%, then measured with the exact pre-training loss, the
 * probe and Tr(H)).
 *
 * <p><b>Which parameters are pruned</b> ({@link #isPrunable}): the two-dimensional parameters of
 * the encoder's layers, i.e. every 2-D parameter whose name starts with {@code blocks.}
 * ({@link MlmTransformer}: {@code attn.{query,key,value,out}.weight}, {@code mlp.fc1.weight},
 * {@code mlp.fc2.weight}) or {@code lstm.} ({@link MlmLstm}: {@code weight_ih}, {@code weight_hh}).
 * Never pruned: token and position embeddings (the transformer's decoder is tied to the token
 * embeddings), LayerNorm weights and biases, all biases, the output head ({@code head.*}).
 *
 * <p><b>Rule.</b> One global threshold over the union of those matrices: with {@code N} entries
 * in total, exactly {@code k = floor(sparsity · N)} entries are set to zero ({@link #prunedCount},
 * computed on the decimal value of {@code sparsity}, so 0.29 · 100 is 29, not 28), namely the
 * {@code k} smallest by |w|, ties broken by position in the concatenation of the matrices in the
 * model's canonical parameter order (row-major inside a matrix). Entries already zero have the
 * smallest magnitude, so they count towards {@code k}; a model with more than {@code k} zeros
 * keeps them all (the zeros after pruning are then more than {@code k}). NaN entries order after
 * every number (never pruned before a finite entry). Zeroed entries become +0.0; every other
 * entry and every non-prunable parameter is left bit-identical, so sparsity 0 is the identity.
 *
 * <p>The pruning is a one-shot mask of the weights: no mask is kept, so further training would
 * let pruned entries grow again. Recovery training, if wanted, is up to the caller.
 */
public final class Pruning {
    private Pruning() {}

    /**
     * What {@link #prune} did.
     *
     * @param sparsity  requested fraction of zeros over the pruned matrices, in [0, 1)
     * @param matrices  names of the pruned matrices, in canonical order
     * @param total     entries of those matrices
     * @param pruned    entries set to zero (or already zero and chosen): {@code floor(sparsity · total)}
     * @param zeros     entries equal to zero in those matrices after pruning (≥ pruned)
     * @param threshold largest |w| among the pruned entries (0 when nothing was pruned): every
     *                  pruned entry had |w| ≤ threshold, every kept entry has |w| ≥ threshold
     */
    public record Result(double sparsity, List<String> matrices, long total, long pruned, long zeros, double threshold) {
        /** Fraction of zeros reached over the pruned matrices. */
        public double achievedSparsity() {
            return total == 0 ? 0.0 : (double) zeros / total;
        }
    }

    /** Whether the parameter {@code name} (with tensor {@code p}) is one of the pruned encoder matrices. */
    public static boolean isPrunable(String name, Tensor p) {
        return p.dim() == 2 && isPrunableName(name);
    }

    /** The name part of {@link #isPrunable}: a parameter of the transformer blocks or LSTM layers. */
    public static boolean isPrunableName(String name) {
        return name.startsWith("blocks.") || name.startsWith("lstm.");
    }

    /** Names of the prunable parameters of {@code model}, canonical order. */
    public static List<String> prunableNames(MlmModel model) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            if (isPrunable(e.getKey(), e.getValue())) out.add(e.getKey());
        }
        return Collections.unmodifiableList(out);
    }

    /** Validates {@code sparsity} ∈ [0, 1); one-line {@link BadInputException} otherwise. */
    public static void checkSparsity(double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1))
            throw new BadInputException("sparsity must be in [0, 1), got " + sparsity);
    }

    /** {@code floor(sparsity · total)}, with sparsity taken at its shortest decimal value (0.3 is 3/10). */
    public static long prunedCount(double sparsity, long total) {
        checkSparsity(sparsity);
        return new BigDecimal(Double.toString(sparsity)).multiply(BigDecimal.valueOf(total))
            .setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    /**
     * Prunes {@code model} in place (see the class comment) at {@code sparsity} ∈ [0, 1) and returns
     * what was done. Works on any device and dtype; the parameters stay the same tensors.
     */
    public static Result prune(MlmModel model, double sparsity) {
        checkSparsity(sparsity);
        LinkedHashMap<String, Tensor> params = model.namedParameters();
        List<String> names = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        long totalLong = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            if (!isPrunable(e.getKey(), e.getValue())) continue;
            names.add(e.getKey());
            double[] v = Torch.toDoubles(e.getValue());
            values.add(v);
            totalLong += v.length;
        }
        if (totalLong > Integer.MAX_VALUE - 8)
            throw new BadInputException("cannot prune: " + totalLong + " prunable entries (more than a Java array holds)");
        int total = (int) totalLong;
        long k = prunedCount(sparsity, total);

        // Threshold: the k-th smallest |w| (NaN greatest, as Arrays.sort orders doubles).
        double threshold = 0.0;
        long lessCount = 0;
        if (k > 0) {
            double[] mags = new double[total];
            int at = 0;
            for (double[] v : values) for (double x : v) mags[at++] = Math.abs(x);
            Arrays.sort(mags);
            threshold = mags[(int) k - 1];
            for (double m : mags) {
                if (Double.compare(m, threshold) < 0) lessCount++;
                else break;
            }
        }
        long tiesToPrune = k - lessCount; // entries with |w| == threshold pruned, first ones in order

        long zeros = 0;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (int m = 0; m < names.size(); m++) {
                double[] v = values.get(m);
                boolean[] mask = new boolean[v.length];
                boolean any = false;
                if (k > 0) {
                    for (int i = 0; i < v.length; i++) {
                        int c = Double.compare(Math.abs(v[i]), threshold);
                        if (c < 0 || (c == 0 && tiesToPrune > 0)) {
                            if (c == 0) tiesToPrune--;
                            mask[i] = true;
                            any = true;
                        }
                    }
                }
                for (int i = 0; i < v.length; i++) if (mask[i] || v[i] == 0.0) zeros++;
                if (!any) continue;
                Tensor p = params.get(names.get(m));
                Tensor maskT = Torch.boolTensor(mask, Torch.shape(p));
                if (!"cpu".equals(model.device())) maskT = maskT.to(p.device(), org.bytedeco.pytorch.global.torch.ScalarType.Bool);
                p.masked_fill_(maskT, new Scalar(0.0));
            }
        }
        return new Result(sparsity, Collections.unmodifiableList(names), total, k, zeros, threshold);
    }

    /**
     * The zero pattern of the prunable matrices of {@code model} (after {@link #prune}): a
     * function that sets those entries to zero again, for recovery training that keeps the
     * sparsity (weight decay and momentum would otherwise move them).
     */
    public static java.util.function.Consumer<MlmModel> keepZeros(MlmModel model) {
        Map<String, Tensor> keep = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard()) {
            for (String name : prunableNames(model)) {
                Tensor p = model.namedParameters().get(name);
                Tensor mask = p.ne(new org.bytedeco.pytorch.Scalar(0.0)).to(p.scalar_type());
                keep.put(name, Torch.keep(mask));
            }
        }
        return m -> {
            try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Map<String, Tensor> params = m.namedParameters();
                for (Map.Entry<String, Tensor> e : keep.entrySet()) params.get(e.getKey()).mul_(e.getValue());
            }
        };
    }
}
