package flatlm.model;

import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW and SGD written on tensors, so that their whole state is a set of named tensors plus a
 * step count, saved beside the weights and restored exactly on resume. State tensors are
 * created when the optimizer is constructed (outside any {@link PointerScope}).
 *
 * <p>When the parameters lie back to back in one buffer, in map order (as {@link ParameterStore}
 * lays out a transformer's), the state lies the same way and a step whose gradients are all
 * defined updates the whole buffer at once: a few native calls instead of ~16 per parameter
 * tensor. The update of each element is the same formula either way.
 */
public abstract class Optimizer {
    protected final LinkedHashMap<String, Tensor> params;
    protected long steps;
    /** All parameters as one 1-d tensor over their buffer, or null when they are not back to back. */
    private final Tensor flat;

    protected Optimizer(LinkedHashMap<String, Tensor> params) {
        this.params = params;
        this.flat = flatView(params.values().toArray(new Tensor[0]));
    }

    /** One update with learning rate {@code lr} from the parameters' current gradients. */
    public final void step(double lr) {
        steps++;
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            if (flat != null) {
                TensorVector grads = new TensorVector();
                for (Tensor p : params.values()) {
                    Tensor grad = p.grad();
                    if (!grad.defined()) {
                        grads = null;
                        break;
                    }
                    grads.push_back(grad);
                }
                if (grads != null) {
                    update(FLAT, flat, torch.flatten_dense_tensors(grads), lr);
                    return;
                }
            }
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor grad = e.getValue().grad();
                if (grad.defined()) update(e.getKey(), e.getValue(), grad, lr);
            }
        }
    }

    /** The state name of the whole buffer in {@link #update}. */
    protected static final String FLAT = "";

    /** Updates {@code p} (a parameter, or {@link #FLAT}: all of them) from its gradient. */
    protected abstract void update(String name, Tensor p, Tensor grad, double lr);

    /**
     * Zero state tensors shaped as the parameters, named as them and, under {@link #FLAT}, the
     * whole buffer when the parameters are back to back (the named ones are then views of it).
     */
    protected final LinkedHashMap<String, Tensor> zeroState() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        if (flat == null) {
            params.forEach((name, p) -> out.put(name, zerosLike(p)));
            return out;
        }
        Tensor all = Torch.keep(zerosLike(flat));
        long offset = 0;
        try (PointerScope s = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                out.put(e.getKey(), Torch.keep(all.narrow(0, offset, p.numel()).view(Torch.shape(p))));
                offset += p.numel();
            }
        }
        out.put(FLAT, all);
        return out;
    }

    /** Named state without the whole-buffer entry. */
    protected static LinkedHashMap<String, Tensor> named(String prefix, Map<String, Tensor> state) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, t) -> {
            if (!k.equals(FLAT)) out.put(prefix + k, t);
        });
        return out;
    }

    /**
     * A 1-d tensor over the memory of {@code ps} when they are contiguous, of one dtype and device,
     * and each starts where the previous ends; null otherwise.
     */
    static Tensor flatView(Tensor[] ps) {
        if (ps.length < 2) return null;
        try (PointerScope s = new PointerScope()) {
            Tensor first = ps[0];
            long bytes = first.element_size();
            int type = first.scalar_type().value;
            long next = first.data_ptr().address();
            long total = 0;
            for (Tensor p : ps) {
                if (!p.is_contiguous() || p.scalar_type().value != type || p.data_ptr().address() != next
                    || p.device().type().value != first.device().type().value) return null;
                next += p.numel() * bytes;
                total += p.numel();
            }
            return Torch.keep(torch.as_strided(first.detach(), new long[] {total}, new long[] {1},
                new LongOptional(first.storage_offset())));
        }
    }

    /** Named state tensors (views of the live state). */
    public abstract LinkedHashMap<String, Tensor> state();

    public long steps() {
        return steps;
    }

    /** Restores state saved by {@link #state()} after {@code steps} updates. */
    public void load(Map<String, Tensor> saved, long steps) {
        LinkedHashMap<String, Tensor> mine = state();
        if (!saved.keySet().equals(mine.keySet())) {
            throw new BadInputException("optimizer state does not match the model/optimizer (keys differ)");
        }
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : mine.entrySet()) e.getValue().copy_(saved.get(e.getKey()));
        }
        this.steps = steps;
    }

    static Tensor zerosLike(Tensor p) {
        try (NoGradGuard g = new NoGradGuard()) {
            return p.detach().clone().zero_();
        }
    }

    static Scalar s(double v) {
        return new Scalar(v);
    }

    /**
     * AdamW (Loshchilov and Hutter; as torch.optim.AdamW): θ ← θ(1 − lr·λ);
     * m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; θ ← θ − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε).
     */
    public static final class AdamW extends Optimizer {
        private final double beta1, beta2, eps, weightDecay;
        private final LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        private final LinkedHashMap<String, Tensor> v = new LinkedHashMap<>();

        public AdamW(LinkedHashMap<String, Tensor> params, double beta1, double beta2, double eps, double weightDecay) {
            super(params);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
            m.putAll(zeroState());
            v.putAll(zeroState());
        }

        @Override
        protected void update(String name, Tensor p, Tensor g, double lr) {
            if (weightDecay != 0) p.mul_(s(1 - lr * weightDecay));
            Tensor mt = m.get(name).lerp_(g, s(1 - beta1));
            Tensor vt = v.get(name).mul_(s(beta2)).addcmul_(g, g, s(1 - beta2));
            double bc1 = 1 - Math.pow(beta1, steps);
            double bc2 = 1 - Math.pow(beta2, steps);
            Tensor denom = vt.sqrt().div_(s(Math.sqrt(bc2))).add_(s(eps));
            p.addcdiv_(mt, denom, s(-lr / bc1));
        }

        @Override
        public LinkedHashMap<String, Tensor> state() {
            LinkedHashMap<String, Tensor> out = named("exp_avg.", m);
            out.putAll(named("exp_avg_sq.", v));
            return out;
        }
    }

    /** SGD with optional momentum and L2 weight decay: g ← g + λθ; b ← μ b + g; θ ← θ − lr · b. */
    public static final class Sgd extends Optimizer {
        private final double momentum, weightDecay;
        private final LinkedHashMap<String, Tensor> buf = new LinkedHashMap<>();

        public Sgd(LinkedHashMap<String, Tensor> params, double momentum, double weightDecay) {
            super(params);
            this.momentum = momentum;
            this.weightDecay = weightDecay;
            if (momentum > 0) buf.putAll(zeroState());
        }

        @Override
        protected void update(String name, Tensor p, Tensor g, double lr) {
            Tensor d = weightDecay != 0 ? g.add(p, s(weightDecay)) : g;
            if (momentum > 0) d = buf.get(name).mul_(s(momentum)).add_(d);
            p.sub_(d, s(lr));
        }

        @Override
        public LinkedHashMap<String, Tensor> state() {
            return named("momentum.", buf);
        }
    }
}
