package flatlm.train;

import flatlm.model.Optimizer;
import flatlm.model.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tensor optimizers against the same updates written out in doubles, on f(θ) = Σ c_j θ_j² / 2. */
class OptimizerTest {
    private static final double[] C = {1.0, 3.0, 0.5};
    private static final double[] THETA0 = {1.0, -2.0, 0.5};

    private static Tensor param() {
        Tensor p = Torch.floatingTensor(THETA0.clone(), torch.ScalarType.Double, THETA0.length);
        p.requires_grad_(true);
        return Torch.keep(p);
    }

    private static double[] run(Optimizer opt, Tensor p, int steps, double lr) {
        Tensor c = Torch.keep(Torch.floatingTensor(C, torch.ScalarType.Double, C.length));
        for (int t = 0; t < steps; t++) {
            try (PointerScope s = new PointerScope()) {
                if (p.grad().defined()) p.mutable_grad().put(new Tensor());
                p.mul(p).mul(c).sum().div(new org.bytedeco.pytorch.Scalar(2.0)).backward();
                opt.step(lr);
            }
        }
        return Torch.toDoubles(p);
    }

    @Test
    void adamWMatchesTheFormula() {
        double b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1, lr = 0.05;
        Tensor p = param();
        LinkedHashMap<String, Tensor> params = new LinkedHashMap<>();
        params.put("w", p);
        double[] got = run(new Optimizer.AdamW(params, b1, b2, eps, wd), p, 25, lr);
        double[] th = THETA0.clone(), m = new double[3], v = new double[3];
        for (int t = 1; t <= 25; t++) {
            for (int j = 0; j < 3; j++) {
                double g = C[j] * th[j];
                th[j] *= 1 - lr * wd;
                m[j] = b1 * m[j] + (1 - b1) * g;
                v[j] = b2 * v[j] + (1 - b2) * g * g;
                double mh = m[j] / (1 - Math.pow(b1, t));
                double vh = Math.sqrt(v[j] / (1 - Math.pow(b2, t)));
                th[j] -= lr * mh / (vh + eps);
            }
        }
        for (int j = 0; j < 3; j++) assertEquals(th[j], got[j], 1e-12, "coordinate " + j);
    }

    @Test
    void sgdWithMomentumMatchesTheFormula() {
        double mu = 0.9, wd = 0.01, lr = 0.1;
        Tensor p = param();
        LinkedHashMap<String, Tensor> params = new LinkedHashMap<>();
        params.put("w", p);
        double[] got = run(new Optimizer.Sgd(params, mu, wd), p, 20, lr);
        double[] th = THETA0.clone(), b = new double[3];
        for (int t = 0; t < 20; t++) {
            for (int j = 0; j < 3; j++) {
                double g = C[j] * th[j] + wd * th[j];
                b[j] = mu * b[j] + g;
                th[j] -= lr * b[j];
            }
        }
        for (int j = 0; j < 3; j++) assertEquals(th[j], got[j], 1e-12, "coordinate " + j);
    }
}
