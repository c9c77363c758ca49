package flatlm.eval;

import flatlm.model.Torch;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearProbeTest {
    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    /** Gaussian blobs: class means far apart along random directions, so the classes are linearly separable. */
    static FeatureMatrix blobs(int n, int d, int k, double separation, int[] labels, SplittableRandom rng, double[][] means) {
        double[] x = new double[n * d];
        for (int r = 0; r < n; r++) {
            labels[r] = rng.nextInt(k);
            for (int c = 0; c < d; c++) x[r * d + c] = separation * means[labels[r]][c] + rng.nextGaussian();
        }
        return new FeatureMatrix(x, n, d);
    }

    static double[][] means(int k, int d, SplittableRandom rng) {
        double[][] m = new double[k][d];
        for (double[] row : m) for (int c = 0; c < d; c++) row[c] = rng.nextGaussian();
        return m;
    }

    @Test
    void separableFeaturesAreClassifiedPerfectly() {
        SplittableRandom rng = new SplittableRandom(1);
        int d = 20, k = 5;
        double[][] means = means(k, d, rng);
        int[] ytr = new int[600], yte = new int[400];
        FeatureMatrix tr = blobs(600, d, k, 6, ytr, rng, means);
        FeatureMatrix te = blobs(400, d, k, 6, yte, rng, means);
        for (LinearProbe.Solver s : LinearProbe.Solver.values()) {
            LinearProbe.Options o = LinearProbe.Options.defaults().withSolver(s).withAdam(1e-2, 30, 64);
            LinearProbe.Fit fit = LinearProbe.fit(tr, ytr, k, o, new SplittableRandom(2));
            assertEquals(1.0, LinearProbe.evaluate(fit, tr, ytr).accuracy(), s.id());
            assertEquals(1.0, LinearProbe.evaluate(fit, te, yte).accuracy(), s.id());
        }
    }

    @Test
    void shuffledLabelsGiveChanceAccuracy() {
        SplittableRandom rng = new SplittableRandom(3);
        int d = 20, k = 4, n = 2000;
        double[][] means = means(k, d, rng);
        int[] ytr = new int[n], yte = new int[n];
        FeatureMatrix tr = blobs(n, d, k, 6, ytr, rng, means);
        FeatureMatrix te = blobs(n, d, k, 6, yte, rng, means);
        for (int[] y : new int[][] {ytr, yte}) { // labels independent of the features
            for (int i = y.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = y[i];
                y[i] = y[j];
                y[j] = t;
            }
        }
        LinearProbe.Fit fit = LinearProbe.fit(tr, ytr, k, LinearProbe.Options.defaults(), rng);
        double acc = LinearProbe.evaluate(fit, te, yte).accuracy();
        // chance is 1/4; the standard error of an accuracy on 2000 examples is ~0.01
        assertEquals(0.25, acc, 0.04, "accuracy " + acc);
    }

    @Test
    void lbfgsAndAdamwReachTheSameObjective() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 300, d = 6, k = 3;
        double[][] means = means(k, d, rng);
        int[] y = new int[n];
        FeatureMatrix x = blobs(n, d, k, 0.7, y, rng, means); // overlapping classes: a well-posed optimum
        double lambda = 1e-2;
        LinearProbe.Options base = LinearProbe.Options.defaults().withWeightDecay(lambda);
        LinearProbe.Fit lbfgs = LinearProbe.fit(x, y, k, base, rng);
        assertTrue(lbfgs.converged());
        // full-batch Adam with a small constant step: it settles at the same minimiser
        LinearProbe.Fit adam = LinearProbe.fit(x, y, k, base.withSolver(LinearProbe.Solver.ADAMW).withAdam(3e-3, 4000, n),
            new SplittableRandom(6));
        assertEquals(lbfgs.objective(), adam.objective(), 1e-6 * Math.abs(lbfgs.objective()) + 1e-7,
            "L-BFGS " + lbfgs.objective() + " vs AdamW " + adam.objective());
        assertTrue(lbfgs.objective() <= adam.objective() + 1e-9, "L-BFGS reaches the minimum");
        for (int i = 0; i < lbfgs.weights().length; i++) assertEquals(lbfgs.weights()[i], adam.weights()[i], 2e-3);
        // the paper's mini-batch protocol (lr 1e-3, 100 epochs: only 500 steps on 300 examples) stops above the minimum
        LinearProbe.Fit paper = LinearProbe.fit(x, y, k, base.withSolver(LinearProbe.Solver.ADAMW), new SplittableRandom(7));
        assertTrue(paper.objective() > lbfgs.objective(), paper.objective() + " vs " + lbfgs.objective());
        // the reported objective is the objective of the returned parameters
        assertEquals(lbfgs.objective(), LinearProbe.objective(x, y, k, lambda, lbfgs), 1e-12);
    }

    @Test
    void theLbfgsSolutionIsAStationaryPoint() {
        SplittableRandom rng = new SplittableRandom(8);
        int n = 200, d = 4, k = 3;
        int[] y = new int[n];
        FeatureMatrix x = blobs(n, d, k, 0.8, y, rng, means(k, d, rng));
        double lambda = 0.05;
        LinearProbe.Fit fit = LinearProbe.fit(x, y, k, LinearProbe.Options.defaults().withWeightDecay(lambda), rng);
        double f0 = LinearProbe.objective(x, y, k, lambda, fit);
        double h = 1e-4;
        for (int i = 0; i < fit.weights().length; i++) {
            double[] wp = fit.weights().clone(), wm = fit.weights().clone();
            wp[i] += h;
            wm[i] -= h;
            double fp = LinearProbe.objective(x, y, k, lambda, withWeights(fit, wp));
            double fm = LinearProbe.objective(x, y, k, lambda, withWeights(fit, wm));
            assertEquals(0.0, (fp - fm) / (2 * h), 2e-5, "gradient of weight " + i);
            assertTrue(fp >= f0 - 1e-12 && fm >= f0 - 1e-12, "a minimum");
        }
    }

    private static LinearProbe.Fit withWeights(LinearProbe.Fit f, double[] w) {
        return new LinearProbe.Fit(w, f.bias(), f.dim(), f.outputs(), f.regression(), f.objective(), f.iterations(), f.converged());
    }

    @Test
    void regressionIsRidgeRegression() {
        SplittableRandom rng = new SplittableRandom(9);
        int n = 150, d = 5;
        double[] x = new double[n * d];
        int[] y = new int[n];
        for (int r = 0; r < n; r++) {
            double t = 3;
            for (int c = 0; c < d; c++) {
                x[r * d + c] = rng.nextGaussian() + (c == 0 ? 2 : 0); // uncentred: the bias couples
                t += (c + 1) * x[r * d + c];
            }
            y[r] = (int) Math.round(t + rng.nextGaussian());
        }
        FeatureMatrix fm = new FeatureMatrix(x, n, d);
        double lambda = 0.1;
        LinearProbe.Fit fit = LinearProbe.fit(fm, y, 0, LinearProbe.Options.defaults().withWeightDecay(lambda), rng);
        assertTrue(fit.regression() && fit.converged());
        // closed form: minimise (1/2n)|Xw + b − y|² + (λ/2)|w|² over (w, b): normal equations
        RealMatrix a = new Array2DRowRealMatrix(d + 1, d + 1);
        RealVector rhs = new ArrayRealVector(d + 1);
        for (int r = 0; r < n; r++) {
            double[] row = new double[d + 1];
            System.arraycopy(x, r * d, row, 0, d);
            row[d] = 1;
            for (int i = 0; i <= d; i++) {
                rhs.addToEntry(i, row[i] * y[r] / n);
                for (int j = 0; j <= d; j++) a.addToEntry(i, j, row[i] * row[j] / n);
            }
        }
        for (int i = 0; i < d; i++) a.addToEntry(i, i, lambda);
        RealVector sol = new CholeskyDecomposition(a).getSolver().solve(rhs);
        for (int i = 0; i < d; i++) assertEquals(sol.getEntry(i), fit.weights()[i], 1e-5, "w" + i);
        assertEquals(sol.getEntry(d), fit.bias()[0], 1e-5, "b");
        LinearProbe.Evaluation e = LinearProbe.evaluate(fit, fm, y);
        assertTrue(e.mse() < 1.5, "mse " + e.mse());
        assertTrue(fit.iterations() < 20, "whitened coordinates: few iterations, got " + fit.iterations());
    }

    @Test
    void theSameSeedGivesTheSameBits() {
        SplittableRandom rng = new SplittableRandom(10);
        int[] y = new int[200];
        FeatureMatrix x = blobs(200, 6, 3, 1, y, rng, means(3, 6, rng));
        for (LinearProbe.Solver s : LinearProbe.Solver.values()) {
            LinearProbe.Options o = LinearProbe.Options.defaults().withSolver(s).withAdam(1e-3, 5, 32);
            LinearProbe.Fit a = LinearProbe.fit(x, y, 3, o, new SplittableRandom(11));
            LinearProbe.Fit b = LinearProbe.fit(x, y, 3, o, new SplittableRandom(11));
            assertArrayEquals(a.weights(), b.weights(), 0.0);
            assertArrayEquals(a.bias(), b.bias(), 0.0);
        }
    }

    @Test
    void lbfgsMinimisesAQuadraticAndTheRosenbrockFunction() {
        // f(x) = ½ Σ a_i (x_i − c_i)²
        double[] a = {1, 10, 100, 1000}, c = {1, -2, 3, -4};
        Lbfgs.Result q = new Lbfgs(5, 500, 1e-10, 0).minimize((x, g) -> {
            double f = 0;
            for (int i = 0; i < x.length; i++) {
                f += 0.5 * a[i] * (x[i] - c[i]) * (x[i] - c[i]);
                g[i] = a[i] * (x[i] - c[i]);
            }
            return f;
        }, new double[4]);
        assertTrue(q.converged());
        assertArrayEquals(c, q.x(), 1e-10);
        Lbfgs.Result r = new Lbfgs(10, 2000, 1e-9, 0).minimize((x, g) -> {
            double u = 1 - x[0], v = x[1] - x[0] * x[0];
            g[0] = -2 * u - 400 * x[0] * v;
            g[1] = 200 * v;
            return u * u + 100 * v * v;
        }, new double[] {-1.2, 1});
        assertArrayEquals(new double[] {1, 1}, r.x(), 1e-6);
    }
}
