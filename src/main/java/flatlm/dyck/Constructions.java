package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Zero-MLM-loss solutions of the paper's Section 6 and the rescaling symmetry of the model.
 *
 * <p>All of them use W_Q = W_K = 0, so the attention averages the tokens: u = (1/n) Σ_t z_t, whose
 * first n coordinates sum to count(x_−i)/n = −y/n on a masked balanced sentence (y = ±1 the masked
 * bracket), and whose last n coordinates are e_{n+i}/n (the mask position).
 */
public final class Constructions {
    private Constructions() {}

    /**
     * The transferable solution as the paper's text describes it: W_V = I, two neurons reading
     * the count, w_1 = −(1_n, 0_n), w_2 = (1_n, 0_n), a = (n, −n): f = n ReLU(−Σu_{1:n}) − n ReLU(Σu_{1:n}) = y.
     * Not balanced across layers (see {@link #rebalance}).
     */
    public static OneLayerModel transferablePaper(int n) {
        OneLayerModel m = new OneLayerModel(n, 2);
        int d = 2 * n;
        for (int p = 0; p < d; p++) m.setV(p, p, 1);
        for (int r = 0; r < n; r++) { m.setW(0, r, -1); m.setW(1, r, 1); }
        m.setA(0, n);
        m.setA(1, -n);
        return m;
    }

    /**
     * The flattest transferable solution (it attains the lower bound Tr ∇²L = 3 n^{−1/3} of
     * Lemma D.1): W_V = γ v vᵀ with v = (1_n, 0_n)/√n, so the attention output h = γ v (vᵀu) lies on
     * one line for every input (Lemma D.3); neurons w_{1,2} = ∓κ v, a_1 = −a_2 = n√n/(κγ); γ and κ
     * balance the three gradient blocks (γ² = n^{7/3}, κ² = n^{1/3}).
     */
    public static OneLayerModel transferableFlattest(int n) {
        OneLayerModel m = new OneLayerModel(n, 2);
        double gamma = Math.pow(n, 7.0 / 6), kappa = Math.pow(n, 1.0 / 6);
        double s = Math.sqrt(n);
        for (int p = 0; p < n; p++) {
            for (int r = 0; r < n; r++) m.setV(p, r, gamma / n);   // γ v vᵀ, v_r = 1/√n
            m.setW(0, p, -kappa / s);
            m.setW(1, p, kappa / s);
        }
        double a = n * s / (kappa * gamma);
        m.setA(0, a);
        m.setA(1, -a);
        return m;
    }

    /** The value of Tr ∇²L at the flattest solutions (Lemma D.1's bound, attained): 3 n^{−1/3}. */
    public static double traceLowerBound(int n) {
        return 3 * Math.pow(n, -1.0 / 3);
    }

    /** A random-feature solution and how well it fits. */
    public record RandomFeatures(OneLayerModel model, double loss, double maxResidual) {}

    /**
     * Random-feature solution: W_V = I, w_j i.i.d. N(0, I_{2n}), a the minimum-norm least-squares
     * fit of the targets on the features ReLU(w_jᵀ u) over every masked sentence of {@code inputs}.
     */
    public static RandomFeatures randomFeatures(int n, int m, List<Input> inputs, RandomGenerator rng) {
        OneLayerModel model = new OneLayerModel(n, m);
        int d = 2 * n;
        for (int p = 0; p < d; p++) model.setV(p, p, 1);
        for (int j = 0; j < m; j++) for (int r = 0; r < d; r++) model.setW(j, r, rng.nextGaussian());
        double[][] phi = new double[inputs.size()][m];
        double[] y = new double[inputs.size()];
        OneLayerModel.Work ws = model.work();
        for (int i = 0; i < inputs.size(); i++) {
            model.forward(inputs.get(i), ws);
            model.features(ws, phi[i]);
            y[i] = inputs.get(i).y();
        }
        double[] a = MinNorm.leastSquares(phi, y);
        for (int j = 0; j < m; j++) model.setA(j, a[j]);
        MlmObjective obj = new MlmObjective(inputs);
        return new RandomFeatures(model, obj.loss(model), obj.maxAbsResidual(model));
    }

    /**
     * The flattest member of the model's rescaling orbit. f is unchanged by W_V → γ W_V,
     * w_j → c_j w_j, a_j → a_j/(γ c_j) (γ, c_j &gt; 0; ReLU is positively homogeneous) and so are the
     * attention terms of the trace, while the other Gauss–Newton terms become
     * Σ_j (γ² c_j² A_j + B_j / c_j²) + C/γ² with A_j = E ReLU(g_j)², B_j = a_j² E 1[g_j&gt;0] ‖h‖²,
     * C = E ‖Σ_j a_j 1[g_j&gt;0] w_j‖² ‖u‖². Minimum: c_j² = √(B_j/A_j)/γ, γ³ = C/S with
     * S = Σ_j √(A_j B_j), value 3 S^{2/3} C^{1/3} (+ the invariant attention terms). Returns a copy.
     */
    public static OneLayerModel rebalance(OneLayerModel model, List<Input> inputs) {
        int m = model.width(), d = model.dim();
        double[] aj = new double[m], bj = new double[m];
        double c = 0;
        OneLayerModel.Work ws = model.work();
        double w = 1.0 / inputs.size();
        double[] feat = new double[m];
        double[] block = new double[5];
        for (Input x : inputs) {
            model.forward(x, ws);
            model.features(ws, feat);
            double[] h = model.attentionOutput(ws);
            double hh = OneLayerModel.dot(h, h);
            for (int j = 0; j < m; j++) {
                if (feat[j] <= 0) continue;
                aj[j] += w * feat[j] * feat[j];
                bj[j] += w * model.a(j) * model.a(j) * hh;
            }
            java.util.Arrays.fill(block, 0);
            model.addGradientNormsSquared(ws, w, block);
            c += block[2];
        }
        double s = 0;
        for (int j = 0; j < m; j++) s += Math.sqrt(aj[j] * bj[j]);
        double gamma = (s > 0 && c > 0) ? Math.cbrt(c / s) : 1;
        OneLayerModel out = model.copy();
        for (int p = 0; p < d; p++) for (int r = 0; r < d; r++) out.setV(p, r, gamma * model.v(p, r));
        for (int j = 0; j < m; j++) {
            double cj = (aj[j] > 0 && bj[j] > 0) ? Math.sqrt(Math.sqrt(bj[j] / aj[j]) / gamma) : 1;
            for (int r = 0; r < d; r++) out.setW(j, r, cj * model.w(j, r));
            out.setA(j, model.a(j) / (gamma * cj));
        }
        return out;
    }
}
