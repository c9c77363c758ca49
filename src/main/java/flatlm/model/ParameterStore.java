package flatlm.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.random.RandomGenerator;

/**
 * A model's parameters in canonical order, each created from Java values on the model's dtype and
 * device, with {@code requires_grad}, and kept past every {@code PointerScope}; and how the model
 * moves its inputs to that device. Shared by {@link MlmTransformer} and {@link MlmLstm}.
 *
 * <p>Given the total size up front, the parameters are views of one buffer, back to back in
 * canonical order (each still a leaf of its own, with its own gradient), so that an
 * {@link Optimizer} updates them all with a few calls on the buffer.
 */
final class ParameterStore {
    private final ModelConfig.DType dtype;
    private final String deviceName;
    private final Device device;
    private final LinkedHashMap<String, Tensor> params = new LinkedHashMap<>();
    /** The buffer of all parameters (null: each its own tensor) and how much of it is used. */
    private final Tensor buffer;
    private long used;

    ParameterStore(ModelConfig.DType dtype, String deviceName) {
        this(dtype, deviceName, 0);
    }

    /** A store whose parameters fill one buffer of {@code total} elements ({@code 0}: separate tensors). */
    ParameterStore(ModelConfig.DType dtype, String deviceName, long total) {
        this.dtype = dtype;
        this.deviceName = deviceName;
        this.device = new Device(deviceName);
        if (total > 0) {
            try (PointerScope s = new PointerScope()) {
                buffer = Torch.keep(torch.zeros(new long[] {total}, Torch.options(dtype.scalarType(), device)));
            }
        } else {
            buffer = null;
        }
    }

    String deviceName() {
        return deviceName;
    }

    Device device() {
        return device;
    }

    /** A parameter named {@code name} of shape {@code shape}, filled row-major from {@code values}. */
    Tensor register(String name, double[] values, long... shape) {
        Tensor t;
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor cpu = Torch.floatingTensor(values, dtype.scalarType(), shape);
            if (buffer != null) {
                if (used + values.length > buffer.numel())
                    throw new IllegalStateException("parameter " + name + " overflows the buffer of " + buffer.numel());
                t = buffer.narrow(0, used, values.length).view(shape);
                t.copy_(cpu);
                used += values.length;
            } else {
                t = "cpu".equals(deviceName) ? cpu : cpu.to(device, dtype.scalarType());
            }
            t.requires_grad_(true);
            Torch.keep(t);
        }
        params.put(name, t);
        return t;
    }

    /** {@code n} independent N(0, std²) values drawn from {@code rng} in order. */
    static double[] gaussian(RandomGenerator rng, double std, long n) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian() * std;
        return v;
    }

    /** A copy of the name → parameter map, in canonical order. */
    LinkedHashMap<String, Tensor> named() {
        return new LinkedHashMap<>(params);
    }

    /** {@code t} on the model's device (null stays null; a CPU model moves nothing). */
    Tensor onDevice(Tensor t) {
        return t == null || "cpu".equals(deviceName) ? t : t.to(device, Torch.scalarType(t));
    }
}
