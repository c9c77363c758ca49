package flatlm.model;

import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW and SGD written on tensors, so that their whole state is a set of named tensors plus a
 * step count, saved beside the weights and restored exactly on resume. State tensors are
 * created when the optimizer is constructed (outside any {@link PointerScope}).
 */
public abstract class Optimizer {
    protected final LinkedHashMap<String, Tensor> params;
    protected long steps;

    protected Optimizer(LinkedHashMap<String, Tensor> params) {
        this.params = params;
    }

    /** One update with learning rate {@code lr} from the parameters' current gradients. */
    public final void step(double lr) {
        steps++;
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor grad = e.getValue().grad();
                if (grad.defined()) update(e.getKey(), e.getValue(), grad, lr);
            }
        }
    }

    protected abstract void update(String name, Tensor p, Tensor grad, double lr);

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
            params.forEach((name, p) -> {
                m.put(name, zerosLike(p));
                v.put(name, zerosLike(p));
            });
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
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            m.forEach((k, t) -> out.put("exp_avg." + k, t));
            v.forEach((k, t) -> out.put("exp_avg_sq." + k, t));
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
            if (momentum > 0) params.forEach((name, p) -> buf.put(name, zerosLike(p)));
        }

        @Override
        protected void update(String name, Tensor p, Tensor g, double lr) {
            Tensor d = weightDecay != 0 ? g.add(p, s(weightDecay)) : g;
            if (momentum > 0) d = buf.get(name).mul_(s(momentum)).add_(d);
            p.sub_(d, s(lr));
        }

        @Override
        public LinkedHashMap<String, Tensor> state() {
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            buf.forEach((k, t) -> out.put("momentum." + k, t));
            return out;
        }
    }
}
