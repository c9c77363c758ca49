package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The one-layer transformer of the paper's Section 6, in plain Java doubles with exact analytic
 * derivatives. For tokens z_0..z_{n−1} ∈ R^D (D = 2n):
 * <pre>
 *   q = W_Q z_0,  k_t = W_K z_t,  s_t = qᵀ k_t,  α = softmax(s)        (attention of the first position)
 *   u = Σ_t α_t z_t,  h = W_V u,  g_j = w_jᵀ h,  f = Σ_j a_j ReLU(g_j)   (output read at the first position)
 * </pre>
 * W_Q, W_K, W_V are D×D (no 1/√D scaling), w is m×D, a ∈ R^m. The parameter vector θ is
 * [W_Q, W_K, W_V (row-major), w (row-major), a]; every method reads it from {@link #params()}.
 *
 * <p>ReLU convention: ReLU'(g) = 1 for g &gt; 0, 0 otherwise, ReLU'' = 0. This is exact wherever no
 * pre-activation g_j is 0 (the derivatives do not exist there); {@link #minAbsPreactivation}
 * measures the distance to the nearest kink. Then, since h is linear in W_V and f piecewise linear
 * in (w, h), the only second derivatives of f on the Hessian's diagonal are those of W_Q and W_K
 * (through the softmax); the cross terms are all handled in {@link #hessianVector}.
 */
public final class OneLayerModel {
    private final int n, dim, width;
    private final double[] theta;
    private final int offQ, offK, offV, offW, offA;

    /** A model with all parameters zero: n tokens (D = 2n), m neurons. */
    public OneLayerModel(int n, int m) {
        if (n < 1 || m < 1) throw new IllegalArgumentException("n and m must be positive: " + n + ", " + m);
        this.n = n;
        this.dim = 2 * n;
        this.width = m;
        int dd = dim * dim;
        offQ = 0; offK = dd; offV = 2 * dd; offW = 3 * dd; offA = offW + m * dim;
        theta = new double[offA + m];
    }

    public OneLayerModel copy() {
        OneLayerModel c = new OneLayerModel(n, width);
        System.arraycopy(theta, 0, c.theta, 0, theta.length);
        return c;
    }

    public int n() { return n; }
    public int dim() { return dim; }
    public int width() { return width; }
    public int numParams() { return theta.length; }
    /** The parameter vector (live, not a copy). */
    public double[] params() { return theta; }

    public double q(int p, int r) { return theta[offQ + p * dim + r]; }
    public double k(int p, int r) { return theta[offK + p * dim + r]; }
    public double v(int p, int r) { return theta[offV + p * dim + r]; }
    public double w(int j, int r) { return theta[offW + j * dim + r]; }
    public double a(int j) { return theta[offA + j]; }
    public void setV(int p, int r, double x) { theta[offV + p * dim + r] = x; }
    public void setW(int j, int r, double x) { theta[offW + j * dim + r] = x; }
    public void setA(int j, double x) { theta[offA + j] = x; }

    /** Names of the parameter blocks, in θ order. */
    public static final String[] BLOCKS = {"W_Q", "W_K", "W_V", "w", "a"};

    /** The block (index into {@link #BLOCKS}) of parameter index p. */
    public int blockOf(int p) {
        if (p < offK) return 0;
        if (p < offV) return 1;
        if (p < offW) return 2;
        if (p < offA) return 3;
        return 4;
    }

    /**
     * Random initialisation: W_Q, W_K, W_V, w entries N(0, scale²/D), a entries N(0, scale²/m).
     */
    public static OneLayerModel random(int n, int m, double scale, RandomGenerator rng) {
        OneLayerModel model = new OneLayerModel(n, m);
        double sd = scale / Math.sqrt(model.dim);
        for (int p = 0; p < model.offA; p++) model.theta[p] = sd * rng.nextGaussian();
        double sa = scale / Math.sqrt(m);
        for (int j = 0; j < m; j++) model.theta[model.offA + j] = sa * rng.nextGaussian();
        return model;
    }

    /** Scratch space for one input: forward quantities and their tangents. */
    public final class Work {
        final double[] q = new double[dim], kk = new double[n * dim], s = new double[n], alpha = new double[n];
        final double[] h = new double[dim], g = new double[width], c = new double[dim];
        final double[] beta = new double[n], gamma = new double[n], kg = new double[dim], ka = new double[dim];
        // tangents (hessianVector)
        final double[] dq = new double[dim], dk = new double[n * dim], ds = new double[n], dalpha = new double[n];
        final double[] dh = new double[dim], dg = new double[width], dc = new double[dim];
        final double[] dbeta = new double[n], dgamma = new double[n];
        Input x;
        double f, betaBar;
    }

    public Work work() { return new Work(); }

    /** Forward pass; returns f(x) and leaves the intermediate quantities in {@code ws}. */
    public double forward(Input x, Work ws) {
        if (x.length() != n) throw new IllegalArgumentException("input has " + x.length() + " tokens, model expects " + n);
        ws.x = x;
        int[] idx = x.idx();
        double[] val = x.val();
        // q = val_0 W_Q[:, idx_0]; k_t = val_t W_K[:, idx_t]
        for (int p = 0; p < dim; p++) ws.q[p] = val[0] * theta[offQ + p * dim + idx[0]];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < n; t++) {
            double st = 0;
            for (int p = 0; p < dim; p++) {
                double kv = val[t] * theta[offK + p * dim + idx[t]];
                ws.kk[t * dim + p] = kv;
                st += ws.q[p] * kv;
            }
            ws.s[t] = st;
            max = Math.max(max, st);
        }
        double z = 0;
        for (int t = 0; t < n; t++) { ws.alpha[t] = Math.exp(ws.s[t] - max); z += ws.alpha[t]; }
        for (int t = 0; t < n; t++) ws.alpha[t] /= z;
        // h = Σ_t α_t val_t W_V[:, idx_t]
        Arrays.fill(ws.h, 0);
        for (int t = 0; t < n; t++) {
            double coef = ws.alpha[t] * val[t];
            for (int p = 0; p < dim; p++) ws.h[p] += coef * theta[offV + p * dim + idx[t]];
        }
        double f = 0;
        for (int j = 0; j < width; j++) {
            double gj = 0;
            int row = offW + j * dim;
            for (int r = 0; r < dim; r++) gj += theta[row + r] * ws.h[r];
            ws.g[j] = gj;
            if (gj > 0) f += theta[offA + j] * gj;
        }
        ws.f = f;
        return f;
    }

    public double forward(Input x) { return forward(x, work()); }

    /** The hidden activations ReLU(g_j) (the features of the downstream head), after {@link #forward}. */
    public void features(Work ws, double[] out) {
        for (int j = 0; j < width; j++) out[j] = Math.max(ws.g[j], 0);
    }

    /** The attention output h = W_V u after {@link #forward}. */
    public double[] attentionOutput(Work ws) { return ws.h.clone(); }

    /** The attention weights α after {@link #forward}. */
    public double[] attention(Work ws) { return ws.alpha.clone(); }

    /** min_j |g_j| after {@link #forward}: distance of this input to the nearest ReLU kink (∞ if m = 0 active). */
    public double minAbsPreactivation(Work ws) {
        double min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < width; j++) if (theta[offA + j] != 0 || rowNorm(j) != 0) min = Math.min(min, Math.abs(ws.g[j]));
        return min;
    }

    private double rowNorm(int j) {
        double s = 0;
        for (int r = 0; r < dim; r++) s += Math.abs(theta[offW + j * dim + r]);
        return s;
    }

    /** c = Σ_j a_j 1[g_j&gt;0] w_j, β_t = z_tᵀ W_Vᵀ c, γ = α ⊙ (β − β̄): the backward quantities. */
    private void backward(Work ws) {
        Input x = ws.x;
        Arrays.fill(ws.c, 0);
        for (int j = 0; j < width; j++) {
            if (ws.g[j] <= 0) continue;
            double aj = theta[offA + j];
            int row = offW + j * dim;
            for (int r = 0; r < dim; r++) ws.c[r] += aj * theta[row + r];
        }
        double bar = 0;
        for (int t = 0; t < n; t++) {
            int col = x.idx()[t];
            double bt = 0;
            for (int p = 0; p < dim; p++) bt += theta[offV + p * dim + col] * ws.c[p];
            ws.beta[t] = x.val()[t] * bt;
            bar += ws.alpha[t] * ws.beta[t];
        }
        ws.betaBar = bar;
        for (int t = 0; t < n; t++) ws.gamma[t] = ws.alpha[t] * (ws.beta[t] - bar);
        // kg = Σ_t γ_t k_t, ka = Σ_t α_t k_t
        Arrays.fill(ws.kg, 0);
        Arrays.fill(ws.ka, 0);
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < dim; p++) {
                ws.kg[p] += ws.gamma[t] * ws.kk[t * dim + p];
                ws.ka[p] += ws.alpha[t] * ws.kk[t * dim + p];
            }
        }
    }

    /** grad += scale · ∇_θ f(x), after {@link #forward}(x, ws). */
    public void addGradient(Work ws, double scale, double[] grad) {
        backward(ws);
        Input x = ws.x;
        int[] idx = x.idx();
        double[] val = x.val();
        // a_j: ReLU(g_j); w_j: a_j 1_j h
        for (int j = 0; j < width; j++) {
            if (ws.g[j] <= 0) continue;
            grad[offA + j] += scale * ws.g[j];
            double aj = scale * theta[offA + j];
            int row = offW + j * dim;
            for (int r = 0; r < dim; r++) grad[row + r] += aj * ws.h[r];
        }
        for (int t = 0; t < n; t++) {
            // W_V: c uᵀ, column idx_t gets c · α_t val_t
            double ut = scale * ws.alpha[t] * val[t];
            // W_K: q (Σ γ_t z_t)ᵀ, column idx_t gets q · γ_t val_t
            double vt = scale * ws.gamma[t] * val[t];
            for (int p = 0; p < dim; p++) {
                grad[offV + p * dim + idx[t]] += ws.c[p] * ut;
                grad[offK + p * dim + idx[t]] += ws.q[p] * vt;
            }
        }
        // W_Q: (Σ γ_t k_t) z_0ᵀ, column idx_0 gets val_0 · kg
        for (int p = 0; p < dim; p++) grad[offQ + p * dim + idx[0]] += scale * val[0] * ws.kg[p];
    }

    /**
     * Squared norm of ∇f per block (W_Q, W_K, W_V, w, a), into {@code out[0..4]} (added), after
     * {@link #forward}. Computed without materialising the gradient.
     */
    public void addGradientNormsSquared(Work ws, double scale, double[] out) {
        backward(ws);
        double[] val = ws.x.val();
        double hh = dot(ws.h, ws.h), cc = dot(ws.c, ws.c), qq = dot(ws.q, ws.q), kgkg = dot(ws.kg, ws.kg);
        double a2 = 0, w2 = 0, uu = 0, vv = 0;
        for (int j = 0; j < width; j++) {
            if (ws.g[j] <= 0) continue;
            a2 += ws.g[j] * ws.g[j];
            double aj = theta[offA + j];
            w2 += aj * aj * hh;
        }
        for (int t = 0; t < n; t++) {
            double ut = ws.alpha[t] * val[t], vt = ws.gamma[t] * val[t];
            uu += ut * ut;
            vv += vt * vt;
        }
        out[0] += scale * kgkg;           // |val_0|² = 1
        out[1] += scale * qq * vv;
        out[2] += scale * cc * uu;
        out[3] += scale * w2;
        out[4] += scale * a2;
    }

    /**
     * Trace of the Hessian of f at x, per block (added into {@code out[0..4]}), after
     * {@link #forward}. With M = ∂²f/∂s² = diag(γ) − γαᵀ − αγᵀ (softmax of a linear readout of u;
     * f is piecewise linear in u) and ṡ = ∂s/∂θ_p for a single parameter:
     * W_Q(p, idx_0): ṡ_t = val_0 k_t[p], so Σ_p Σ_t γ_t k_t[p]² − 2 (Σ_t γ_t k_t[p])(Σ_t α_t k_t[p]);
     * W_K(p, idx_t): ṡ = q[p] val_t e_t, so ‖q‖² Σ_t γ_t (1 − 2α_t). W_V, w, a: 0 (see class doc).
     */
    public void addHessianTrace(Work ws, double scale, double[] out) {
        backward(ws);
        double tq = 0;
        for (int p = 0; p < dim; p++) {
            double sq = 0;
            for (int t = 0; t < n; t++) { double kv = ws.kk[t * dim + p]; sq += ws.gamma[t] * kv * kv; }
            tq += sq - 2 * ws.kg[p] * ws.ka[p];
        }
        double tk = 0;
        for (int t = 0; t < n; t++) tk += ws.gamma[t] * (1 - 2 * ws.alpha[t]);
        tk *= dot(ws.q, ws.q);
        out[0] += scale * tq;
        out[1] += scale * tk;
    }

    /**
     * out += scale · (∇²_θ f(x)) · dir, exact (forward-mode differentiation of the gradient), after
     * {@link #forward}(x, ws).
     */
    public void addHessianVector(Work ws, double[] dir, double scale, double[] out) {
        backward(ws);
        Input x = ws.x;
        int[] idx = x.idx();
        double[] val = x.val();
        // tangents of the forward pass
        for (int p = 0; p < dim; p++) ws.dq[p] = val[0] * dir[offQ + p * dim + idx[0]];
        double sAlphaDs = 0;
        for (int t = 0; t < n; t++) {
            double d = 0;
            for (int p = 0; p < dim; p++) {
                double dkv = val[t] * dir[offK + p * dim + idx[t]];
                ws.dk[t * dim + p] = dkv;
                d += ws.dq[p] * ws.kk[t * dim + p] + ws.q[p] * dkv;
            }
            ws.ds[t] = d;
            sAlphaDs += ws.alpha[t] * d;
        }
        for (int t = 0; t < n; t++) ws.dalpha[t] = ws.alpha[t] * (ws.ds[t] - sAlphaDs);
        // dh = dV u + V du
        Arrays.fill(ws.dh, 0);
        for (int t = 0; t < n; t++) {
            double ut = ws.alpha[t] * val[t], dut = ws.dalpha[t] * val[t];
            for (int p = 0; p < dim; p++) {
                ws.dh[p] += dir[offV + p * dim + idx[t]] * ut + theta[offV + p * dim + idx[t]] * dut;
            }
        }
        Arrays.fill(ws.dc, 0);
        for (int j = 0; j < width; j++) {
            if (ws.g[j] <= 0) { ws.dg[j] = 0; continue; }
            int row = offW + j * dim;
            double dgj = 0;
            for (int r = 0; r < dim; r++) dgj += dir[row + r] * ws.h[r] + theta[row + r] * ws.dh[r];
            ws.dg[j] = dgj;
            double aj = theta[offA + j], daj = dir[offA + j];
            for (int r = 0; r < dim; r++) ws.dc[r] += daj * theta[row + r] + aj * dir[row + r];
            // gradient blocks a_j (ReLU(g_j)) and w_j (a_j h)
            out[offA + j] += scale * dgj;
            for (int r = 0; r < dim; r++) out[row + r] += scale * (daj * ws.h[r] + aj * ws.dh[r]);
        }
        // dβ_t = val_t (dVᵀ c + Vᵀ dc)[idx_t]
        double dBar = 0;
        for (int t = 0; t < n; t++) {
            int col = idx[t];
            double d = 0;
            for (int p = 0; p < dim; p++) d += dir[offV + p * dim + col] * ws.c[p] + theta[offV + p * dim + col] * ws.dc[p];
            ws.dbeta[t] = val[t] * d;
            dBar += ws.dalpha[t] * ws.beta[t] + ws.alpha[t] * ws.dbeta[t];
        }
        for (int t = 0; t < n; t++) {
            ws.dgamma[t] = ws.dalpha[t] * (ws.beta[t] - ws.betaBar) + ws.alpha[t] * (ws.dbeta[t] - dBar);
        }
        for (int t = 0; t < n; t++) {
            double ut = ws.alpha[t] * val[t], dut = ws.dalpha[t] * val[t];
            double gt = ws.gamma[t] * val[t], dgt = ws.dgamma[t] * val[t];
            for (int p = 0; p < dim; p++) {
                // W_V block: dc uᵀ + c duᵀ
                out[offV + p * dim + idx[t]] += scale * (ws.dc[p] * ut + ws.c[p] * dut);
                // W_K block: dq (γ⊙val)ᵀ + q (dγ⊙val)ᵀ
                out[offK + p * dim + idx[t]] += scale * (ws.dq[p] * gt + ws.q[p] * dgt);
            }
        }
        // W_Q block: column idx_0, val_0 Σ_t (dγ_t k_t + γ_t dk_t)
        for (int p = 0; p < dim; p++) {
            double d = 0;
            for (int t = 0; t < n; t++) d += ws.dgamma[t] * ws.kk[t * dim + p] + ws.gamma[t] * ws.dk[t * dim + p];
            out[offQ + p * dim + idx[0]] += scale * val[0] * d;
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
