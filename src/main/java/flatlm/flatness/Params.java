package flatlm.flatness;

import flatlm.model.MaskedLoss;
import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The selected parameters of a model as one flat vector space of dimension P, and the
 * autograd primitives of the estimators: gradients, Hessian-vector products by double
 * back-propagation, Rademacher vectors.
 *
 * <p><b>Double backward from Java.</b> {@code torch.grad(outputs, inputs, grad_outputs,
 * retain_graph, create_graph=true, allow_unused)} returns the gradient g(θ) as tensors that
 * are themselves part of an autograd graph; the scalar {@code g·v} (v constant) is then
 * differentiated a second time with {@code torch.grad}, giving {@code ∇(g·v) = H v} (Pearlmutter's
 * trick, one forward and two backward passes). Every op of {@code MlmTransformer} is a libtorch
 * primitive with a double-backward formula. Parameters the output does not depend on come back
 * undefined ({@code allow_unused}) and count as zeros.
 *
 * <p>Flat vectors are 1-D tensors of the parameters' dtype and device; {@link #split} views them
 * per parameter without copying. All methods allocate native tensors: call them inside a
 * {@code PointerScope}.
 */
public final class Params {
    private final List<String> names;
    private final TensorVector tensors;
    private final long[][] shapes;
    private final long[] offsets;
    private final long size;
    private final torch.ScalarType dtype;
    private final String device;

    public Params(MlmModel model, ParameterSelection selection) {
        LinkedHashMap<String, Tensor> sel = selection.select(model);
        names = List.copyOf(sel.keySet());
        tensors = new TensorVector(sel.values().toArray(new Tensor[0]));
        shapes = new long[names.size()][];
        offsets = new long[names.size() + 1];
        int i = 0;
        for (Tensor t : sel.values()) {
            shapes[i] = Torch.shape(t);
            offsets[i + 1] = offsets[i] + t.numel();
            i++;
        }
        size = offsets[names.size()];
        dtype = model.dtype().scalarType();
        device = model.device();
    }

    public List<String> names() {
        return names;
    }

    public TensorVector tensors() {
        return tensors;
    }

    /** Number of selected scalar parameters P. */
    public long size() {
        return size;
    }

    /** Offset of parameter {@code i} in the flat vector. */
    public long offset(int i) {
        return offsets[i];
    }

    public int count() {
        return names.size();
    }

    public torch.ScalarType dtype() {
        return dtype;
    }

    TensorOptions options() {
        return Torch.options(dtype, Torch.device(device));
    }

    /** A flat vector of zeros. */
    public Tensor zeros() {
        return torch.zeros(new long[] {size}, options());
    }

    /** Views of {@code flat} shaped as the parameters. */
    public TensorVector split(Tensor flat) {
        Tensor[] out = new Tensor[names.size()];
        for (int i = 0; i < out.length; i++) out[i] = flat.narrow(0, offsets[i], offsets[i + 1] - offsets[i]).view(shapes[i]);
        return new TensorVector(out);
    }

    /** Concatenates per-parameter tensors (undefined = zeros) into one flat vector. */
    public Tensor flatten(TensorVector parts) {
        Tensor[] flat = new Tensor[names.size()];
        for (int i = 0; i < flat.length; i++) {
            Tensor p = parts.get(i);
            long n = offsets[i + 1] - offsets[i];
            flat[i] = p == null || !p.defined() ? torch.zeros(new long[] {n}, options()) : p.reshape(n);
        }
        return torch.cat(new TensorVector(flat));
    }

    /** The gradient of the scalar {@code loss} as per-parameter tensors (undefined where unused). */
    public TensorVector grad(Tensor loss, boolean createGraph) {
        return torch.grad(new TensorVector(loss), tensors, new TensorVector(), new BoolOptional(createGraph), createGraph, true);
    }

    /** Squared norm of per-parameter tensors (undefined = 0), as a 0-dim tensor. */
    public Tensor squaredNorm(TensorVector parts) {
        Tensor acc = null;
        for (int i = 0; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            if (p == null || !p.defined()) continue;
            Tensor s = p.pow(Torch.scalar(2)).sum();
            acc = acc == null ? s : acc.add(s);
        }
        return acc == null ? torch.zeros(new long[] {}, options()) : acc;
    }

    /** Sum over parameters of {@code (a_i · b_i)}; undefined parts count as zero. */
    static Tensor dot(TensorVector a, TensorVector b) {
        Tensor acc = null;
        for (int i = 0; i < a.size(); i++) {
            Tensor x = a.get(i);
            if (x == null || !x.defined()) continue;
            Tensor s = x.mul(b.get(i)).sum();
            acc = acc == null ? s : acc.add(s);
        }
        return acc;
    }

    /**
     * Hessian-vector product {@code H v} (flat) of the scalar {@code loss} by double
     * back-propagation; the graph of {@code loss} is consumed.
     */
    public Tensor hvp(Tensor loss, Tensor v) {
        TensorVector g = grad(loss, true);
        Tensor gv = dot(g, split(v));
        if (gv == null || !gv.requires_grad()) return zeros();
        TensorVector hv = torch.grad(new TensorVector(gv), tensors, new TensorVector(), new BoolOptional(false), false, true);
        return flatten(hv);
    }

    /** A flat vector of independent ±1 entries drawn from {@code rng}. */
    public Tensor rademacher(RandomGenerator rng) {
        Tensor t = torch.empty(new long[] {size}, new TensorOptions(dtype), new org.bytedeco.pytorch.MemoryFormatOptional());
        int chunk = 1 << 16;
        if (dtype == torch.ScalarType.Double) {
            double[] buf = new double[(int) Math.min(chunk, size)];
            org.bytedeco.javacpp.DoublePointer p = t.data_ptr_double();
            for (long start = 0; start < size; start += buf.length) {
                int n = (int) Math.min(buf.length, size - start);
                fillSigns(rng, buf, n);
                p.position(start).put(buf, 0, n);
            }
        } else {
            float[] buf = new float[(int) Math.min(chunk, size)];
            org.bytedeco.javacpp.FloatPointer p = t.data_ptr_float();
            for (long start = 0; start < size; start += buf.length) {
                int n = (int) Math.min(buf.length, size - start);
                for (int j = 0; j < n; j += 64) {
                    long bits = rng.nextLong();
                    for (int k = j; k < Math.min(n, j + 64); k++) buf[k] = ((bits >>> (k - j)) & 1L) == 0 ? 1f : -1f;
                }
                p.position(start).put(buf, 0, n);
            }
        }
        return "cpu".equals(device) ? t : t.to(Torch.device(device), dtype);
    }

    private static void fillSigns(RandomGenerator rng, double[] buf, int n) {
        for (int j = 0; j < n; j += 64) {
            long bits = rng.nextLong();
            for (int k = j; k < Math.min(n, j + 64); k++) buf[k] = ((bits >>> (k - j)) & 1L) == 0 ? 1.0 : -1.0;
        }
    }

    /** A flat vector of independent standard normal entries drawn from {@code rng}. */
    public Tensor gaussian(RandomGenerator rng) {
        double[] v = new double[Math.toIntExact(size)];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian();
        Tensor t = Torch.floatingTensor(v, dtype, size);
        return "cpu".equals(device) ? t : t.to(Torch.device(device), dtype);
    }

    // ------------------------------------------------------------------ losses

    /**
     * The weighted loss {@code Σ_c w_c ℓ_c} over {@code contexts} (one forward pass):
     * {@code ℓ_c = Σ_v p*(v) (−log q(v))} for {@link Labels#EXACT}, {@code −log q(x_i)} for
     * {@link Labels#DATA}. {@code weights} null means equal weights 1/n. The weights are folded
     * into the labels ({@link MaskedLoss.Weighting#FOLDED}).
     */
    public static Tensor loss(MlmModel model, List<MaskedContext> contexts, double[] weights, Labels labels) {
        double[][] truth = null;
        if (labels == Labels.EXACT) {
            truth = new double[contexts.size()][];
            for (int c = 0; c < truth.length; c++) truth[c] = contexts.get(c).truth();
        }
        return labels.maskedLoss().loss(model, batch(contexts), truth, weights);
    }

    /** The single-mask batch of {@code contexts}. */
    public static MlmBatch batch(List<MaskedContext> contexts) {
        int[][] words = new int[contexts.size()][];
        int[] positions = new int[contexts.size()];
        for (int c = 0; c < words.length; c++) {
            words[c] = contexts.get(c).words();
            positions[c] = contexts.get(c).position();
        }
        return MlmBatch.singleMask(words, positions);
    }

    /** Names of the selected parameters with their sizes (for reports). */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) out.add(names.get(i) + "[" + (offsets[i + 1] - offsets[i]) + "]");
        return out;
    }
}
