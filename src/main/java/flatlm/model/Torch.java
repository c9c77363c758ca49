package flatlm.model;

import flatlm.util.BadInputException;
import flatlm.util.Parallel;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Small helpers over the bytedeco libtorch API: tensors from and to Java arrays, options,
 * threads, and keeping a tensor alive past the {@link PointerScope} it was created in.
 *
 * <p>Memory rule of the project: every training step / evaluation batch runs inside
 * {@code try (PointerScope s = new PointerScope()) { ... }}. Every {@link Tensor} handle
 * created inside is released when the scope closes; what must survive (parameters,
 * optimizer state, a result) is either created outside any scope or passed through
 * {@link #keep(Tensor)} before the scope closes.
 */
public final class Torch {
    private Torch() {}

    /**
     * Sets libtorch's intra-op thread count and OpenBLAS's thread count. Pitfall: libtorch's
     * {@code set_num_threads} does not reach OpenBLAS (which libtorch calls for matrix
     * products); with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS unset OpenBLAS uses every core, and
     * on a busy 2-core machine a "1-thread" training step became 10× slower.
     */
    public static void setThreads(int threads) {
        if (threads < 1) throw new BadInputException("--threads must be at least 1, got " + threads);
        Parallel.checkThreads(threads);
        torch.set_num_threads(threads);
        org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads(threads);
    }

    public static int threads() {
        return torch.get_num_threads();
    }

    /**
     * Makes {@code t} survive the closing of the {@link PointerScope} it was created in
     * (its native handle is then freed by the garbage collector). Returns {@code t}.
     */
    public static Tensor keep(Tensor t) {
        t.retainReference();
        return t;
    }

    public static Device device(String name) {
        return new Device(name);
    }

    public static TensorOptions options(torch.ScalarType type, Device device) {
        return new TensorOptions(type).device(new org.bytedeco.pytorch.DeviceOptional(device));
    }

    public static TensorOptions longOptions() {
        return new TensorOptions(torch.ScalarType.Long);
    }

    /** A CPU int64 tensor of the given shape filled from {@code data} (row-major). */
    public static Tensor longTensor(long[] data, long... shape) {
        checkSize(data.length, shape);
        Tensor t = torch.empty(shape, longOptions(), new org.bytedeco.pytorch.MemoryFormatOptional());
        if (data.length > 0) t.data_ptr_long().put(data);
        return t;
    }

    /** A CPU bool tensor of the given shape filled from {@code data} (row-major). */
    public static Tensor boolTensor(boolean[] data, long... shape) {
        checkSize(data.length, shape);
        Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Bool), new org.bytedeco.pytorch.MemoryFormatOptional());
        if (data.length > 0) {
            byte[] b = new byte[data.length];
            for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
            new BytePointer(t.data_ptr()).capacity(b.length).put(b);
        }
        return t;
    }

    /** A CPU tensor of the given floating type (Float or Double) filled from {@code data}. */
    public static Tensor floatingTensor(double[] data, torch.ScalarType type, long... shape) {
        checkSize(data.length, shape);
        Tensor t = torch.empty(shape, new TensorOptions(type), new org.bytedeco.pytorch.MemoryFormatOptional());
        if (data.length == 0) return t;
        if (type == torch.ScalarType.Double) {
            t.data_ptr_double().put(data);
        } else if (type == torch.ScalarType.Float) {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
            t.data_ptr_float().put(f);
        } else {
            throw new IllegalArgumentException("unsupported floating type " + type);
        }
        return t;
    }

    /** The values of a Float or Double tensor (any device, any layout) as doubles, row-major. */
    public static double[] toDoubles(Tensor t) {
        try (PointerScope s = new PointerScope()) {
            Tensor c = t.detach().to(torch.ScalarType.Double).cpu().contiguous();
            double[] out = new double[(int) c.numel()];
            if (out.length > 0) c.data_ptr_double().get(out);
            return out;
        }
    }

    /** The values of an integer tensor as longs, row-major. */
    public static long[] toLongs(Tensor t) {
        try (PointerScope s = new PointerScope()) {
            Tensor c = t.detach().to(torch.ScalarType.Long).cpu().contiguous();
            long[] out = new long[(int) c.numel()];
            if (out.length > 0) c.data_ptr_long().get(out);
            return out;
        }
    }

    /**
     * The scalar type of {@code t} as the canonical enum constant. Pitfall: the enum object that
     * bytedeco returns from {@code Tensor.scalar_type()} is a fresh instance (ordinal 0): it prints
     * right but {@code ==}, {@code equals} and {@code switch} on it are wrong. Compare {@code .value}.
     */
    public static torch.ScalarType scalarType(Tensor t) {
        int v = t.scalar_type().value;
        for (torch.ScalarType s : torch.ScalarType.values()) if (s.value == v) return s;
        throw new IllegalStateException("unknown scalar type value " + v);
    }

    /** The shape of {@code t}. */
    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    public static Scalar scalar(double v) {
        return new Scalar(v);
    }

    private static void checkSize(long n, long[] shape) {
        long m = 1;
        for (long s : shape) m *= s;
        if (m != n) throw new IllegalArgumentException("data of length " + n + " does not fill shape of " + m + " elements");
    }
}
