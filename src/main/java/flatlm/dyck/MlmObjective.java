package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;

import java.util.List;

/**
 * The exact pre-training loss L(θ) = (1/|X|) Σ_{x∈X} ½ (f_θ(x) − y(x))² over an enumerated set X of
 * equally likely inputs (every masked sentence of the support: the whole pre-training distribution),
 * with its exact gradient, Hessian-vector products, dense Hessian and Hessian trace.
 *
 * <p>The ½ makes Lemma D.4 of the paper exact: at zero loss Tr ∇²L = E‖∇_θ f‖². (Double every
 * trace for the un-halved loss E(f − y)².) The trace is over all parameters θ = (W_Q, W_K, W_V, w, a),
 * as in Theorem 6.1.
 */
public final class MlmObjective {
    private final List<Input> inputs;

    public MlmObjective(List<Input> inputs) {
        if (inputs.isEmpty()) throw new IllegalArgumentException("no inputs");
        this.inputs = List.copyOf(inputs);
    }

    public List<Input> inputs() { return inputs; }

    /** Exact loss ½ E (f − y)². */
    public double loss(OneLayerModel model) {
        OneLayerModel.Work ws = model.work();
        double s = 0;
        for (Input x : inputs) {
            double r = model.forward(x, ws) - x.y();
            s += 0.5 * r * r;
        }
        return s / inputs.size();
    }

    /** max_x |f(x) − y(x)|. */
    public double maxAbsResidual(OneLayerModel model) {
        OneLayerModel.Work ws = model.work();
        double m = 0;
        for (Input x : inputs) m = Math.max(m, Math.abs(model.forward(x, ws) - x.y()));
        return m;
    }

    /** min over inputs and live neurons of |g_j(x)|: how far every input is from a ReLU kink. */
    public double minAbsPreactivation(OneLayerModel model) {
        OneLayerModel.Work ws = model.work();
        double m = Double.POSITIVE_INFINITY;
        for (Input x : inputs) {
            model.forward(x, ws);
            m = Math.min(m, model.minAbsPreactivation(ws));
        }
        return m;
    }

    /** Exact gradient E (f − y) ∇f. */
    public double[] gradient(OneLayerModel model) {
        OneLayerModel.Work ws = model.work();
        double[] g = new double[model.numParams()];
        double w = 1.0 / inputs.size();
        for (Input x : inputs) {
            double r = model.forward(x, ws) - x.y();
            model.addGradient(ws, w * r, g);
        }
        return g;
    }

    /** Exact H·v = E [∇f (∇f·v) + (f − y) ∇²f v]. */
    public double[] hessianVector(OneLayerModel model, double[] v) {
        OneLayerModel.Work ws = model.work();
        int p = model.numParams();
        double[] out = new double[p];
        double[] grad = new double[p];
        double w = 1.0 / inputs.size();
        for (Input x : inputs) {
            double r = model.forward(x, ws) - x.y();
            java.util.Arrays.fill(grad, 0);
            model.addGradient(ws, 1, grad);
            double gv = OneLayerModel.dot(grad, v);
            for (int i = 0; i < p; i++) out[i] += w * gv * grad[i];
            if (r != 0) model.addHessianVector(ws, v, w * r, out);
        }
        return out;
    }

    /** The dense Hessian, one exact Hessian-vector product per column (for small models). */
    public double[][] denseHessian(OneLayerModel model) {
        int p = model.numParams();
        double[][] h = new double[p][];
        double[] e = new double[p];
        for (int i = 0; i < p; i++) {
            e[i] = 1;
            h[i] = hessianVector(model, e);
            e[i] = 0;
        }
        return h;
    }

    /**
     * The Hessian's diagonal, entry by entry, from the materialised gradient (Gauss–Newton part
     * E (∂f/∂θ_i)²) and one exact Hessian-vector product of f per parameter and input (residual
     * part E (f − y) ∂²f/∂θ_i²), skipping inputs with |f − y| ≤ {@code residualCutoff}. An
     * independent route to {@link #trace} (which uses the closed forms), for cross-checks.
     */
    public double[] hessianDiagonal(OneLayerModel model, double residualCutoff) {
        OneLayerModel.Work ws = model.work();
        int p = model.numParams();
        double[] diag = new double[p], grad = new double[p], e = new double[p], col = new double[p];
        double w = 1.0 / inputs.size();
        for (Input x : inputs) {
            double r = model.forward(x, ws) - x.y();
            java.util.Arrays.fill(grad, 0);
            model.addGradient(ws, 1, grad);
            for (int i = 0; i < p; i++) diag[i] += w * grad[i] * grad[i];
            if (Math.abs(r) <= residualCutoff) continue;
            for (int i = 0; i < p; i++) {
                e[i] = 1;
                java.util.Arrays.fill(col, 0);
                model.addHessianVector(ws, e, 1, col);
                diag[i] += w * r * col[i];
                e[i] = 0;
            }
        }
        return diag;
    }

    /**
     * Exact Tr ∇²L, split into the Gauss–Newton part E‖∇f‖² and the residual part
     * E (f − y) Tr ∇²f (zero at zero loss), and per parameter block.
     */
    public record Trace(double total, double gaussNewton, double residual, double[] perBlock) {
        /** Per block, Gauss–Newton + residual parts, in {@link OneLayerModel#BLOCKS} order. */
        public double block(int b) { return perBlock[b]; }
    }

    public Trace trace(OneLayerModel model) {
        OneLayerModel.Work ws = model.work();
        double[] gn = new double[5], res = new double[5];
        double w = 1.0 / inputs.size();
        for (Input x : inputs) {
            double r = model.forward(x, ws) - x.y();
            model.addGradientNormsSquared(ws, w, gn);
            if (r != 0) model.addHessianTrace(ws, w * r, res);
        }
        double[] per = new double[5];
        double g = 0, s = 0;
        for (int b = 0; b < 5; b++) { per[b] = gn[b] + res[b]; g += gn[b]; s += res[b]; }
        return new Trace(g + s, g, s, per);
    }
}
