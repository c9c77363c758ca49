package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;
import flatlm.lang.dyck.Dyck.Support;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model's gradient, Hessian and Hessian trace against finite differences and each other. */
class DerivativesTest {
    static final int N = 4, M = 5;

    /**
     * A random model (non-uniform attention, all blocks non-zero) whose pre-activations are all at
     * least 1e-2 from the ReLU kink on every input: the first such seed from {@code seed} on.
     */
    static OneLayerModel randomModel(List<Input> inputs, long seed) {
        MlmObjective obj = new MlmObjective(inputs);
        for (long s = seed; s < seed + 10_000; s++) {
            OneLayerModel model = OneLayerModel.random(N, M, 1.0, new SplittableRandom(s));
            if (obj.minAbsPreactivation(model) > 1e-2) return model;
        }
        throw new AssertionError("no seed without a near-kink input");
    }

    static List<Input> inputs() { return DyckInputs.mlm(N, Support.EQUAL_COUNT); }

    @Test
    void gradientMatchesCentralDifferences() {
        List<Input> in = inputs();
        MlmObjective obj = new MlmObjective(in);
        for (long seed : new long[]{100, 20_000}) {
            OneLayerModel model = randomModel(in, seed);
            double[] g = obj.gradient(model);
            double[] th = model.params();
            double h = 1e-6, maxErr = 0, maxG = 0;
            for (int i = 0; i < th.length; i++) {
                double old = th[i];
                th[i] = old + h;
                double up = obj.loss(model);
                th[i] = old - h;
                double down = obj.loss(model);
                th[i] = old;
                maxErr = Math.max(maxErr, Math.abs((up - down) / (2 * h) - g[i]));
                maxG = Math.max(maxG, Math.abs(g[i]));
            }
            assertTrue(maxG > 1e-2, "gradient should not vanish at a random point");
            assertTrue(maxErr < 1e-7 * Math.max(1, maxG), "max |FD − analytic| = " + maxErr);
        }
    }

    @Test
    void denseHessianMatchesDifferencesOfTheGradientAndIsSymmetric() {
        List<Input> in = inputs();
        MlmObjective obj = new MlmObjective(in);
        OneLayerModel model = randomModel(in, 11);
        double[][] hess = obj.denseHessian(model);
        double[] th = model.params();
        int p = th.length;
        double h = 1e-5, maxErr = 0, maxH = 0, maxAsym = 0;
        for (int j = 0; j < p; j++) {
            double old = th[j];
            th[j] = old + h;
            double[] up = obj.gradient(model);
            th[j] = old - h;
            double[] down = obj.gradient(model);
            th[j] = old;
            for (int i = 0; i < p; i++) {
                maxErr = Math.max(maxErr, Math.abs((up[i] - down[i]) / (2 * h) - hess[j][i]));
                maxH = Math.max(maxH, Math.abs(hess[j][i]));
                maxAsym = Math.max(maxAsym, Math.abs(hess[j][i] - hess[i][j]));
            }
        }
        assertTrue(maxH > 1e-2);
        assertTrue(maxErr < 1e-6 * Math.max(1, maxH), "max |FD − analytic| = " + maxErr);
        assertTrue(maxAsym < 1e-12 * Math.max(1, maxH), "asymmetry " + maxAsym);
    }

    @Test
    void closedFormTraceEqualsTheDenseHessiansTracePerBlock() {
        List<Input> in = inputs();
        MlmObjective obj = new MlmObjective(in);
        for (long seed : new long[]{100, 20_000}) {
            OneLayerModel model = randomModel(in, seed);
            double[][] hess = obj.denseHessian(model);
            double[] block = new double[5];
            double total = 0;
            for (int i = 0; i < hess.length; i++) {
                block[model.blockOf(i)] += hess[i][i];
                total += hess[i][i];
            }
            MlmObjective.Trace tr = obj.trace(model);
            assertEquals(total, tr.total(), 1e-12 * Math.abs(total));
            for (int b = 0; b < 5; b++) assertEquals(block[b], tr.block(b), 1e-12 * Math.abs(total), OneLayerModel.BLOCKS[b]);
            assertTrue(Math.abs(tr.residual()) > 1e-6, "random parameters: the residual term must be exercised");
            // the diagonal route of the experiment's cross-check
            double[] diag = obj.hessianDiagonal(model, 0);
            for (int i = 0; i < diag.length; i++) assertEquals(hess[i][i], diag[i], 1e-12 * Math.max(1, Math.abs(total)));
        }
    }

    @Test
    void gaussNewtonPartIsTheMeanSquaredGradientOfF() {
        List<Input> in = inputs();
        OneLayerModel model = randomModel(in, 12);
        OneLayerModel.Work ws = model.work();
        double s = 0;
        for (Input x : in) {
            model.forward(x, ws);
            double[] g = new double[model.numParams()];
            model.addGradient(ws, 1, g);
            s += OneLayerModel.dot(g, g) / in.size();
        }
        assertEquals(s, new MlmObjective(in).trace(model).gaussNewton(), 1e-12 * s);
    }

    @Test
    void forwardMatchesADenseReferenceImplementation() {
        List<Input> in = inputs();
        OneLayerModel model = randomModel(in, 11);
        int d = model.dim();
        for (Input x : in) {
            double[][] z = new double[N][];
            for (int t = 0; t < N; t++) z[t] = x.dense(t);
            double[] q = new double[d];
            for (int p = 0; p < d; p++) for (int r = 0; r < d; r++) q[p] += model.q(p, r) * z[0][r];
            double[] s = new double[N];
            for (int t = 0; t < N; t++) for (int p = 0; p < d; p++) for (int r = 0; r < d; r++) s[t] += q[p] * model.k(p, r) * z[t][r];
            double mx = Double.NEGATIVE_INFINITY, zsum = 0;
            for (double v : s) mx = Math.max(mx, v);
            double[] al = new double[N];
            for (int t = 0; t < N; t++) { al[t] = Math.exp(s[t] - mx); zsum += al[t]; }
            double[] h = new double[d];
            for (int t = 0; t < N; t++) for (int p = 0; p < d; p++) for (int r = 0; r < d; r++) h[p] += al[t] / zsum * model.v(p, r) * z[t][r];
            double f = 0;
            for (int j = 0; j < M; j++) {
                double g = 0;
                for (int r = 0; r < d; r++) g += model.w(j, r) * h[r];
                f += model.a(j) * Math.max(0, g);
            }
            assertEquals(f, model.forward(x), 1e-12);
        }
    }
}
