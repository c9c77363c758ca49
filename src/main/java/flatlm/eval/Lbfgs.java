package flatlm.eval;

/**
 * Limited-memory BFGS (Nocedal and Wright, Algorithms 7.4 and 7.5) for smooth convex problems:
 * the two-loop recursion with the scaling γ = sᵀy / yᵀy, and a backtracking line search on the
 * Armijo condition (c₁ = 1e-4; first trial step 1, or 1/‖g‖ on the first iteration). Pairs with
 * sᵀy ≤ 0 are skipped (they cannot occur on a strictly convex objective). Deterministic: the same
 * objective gives the same iterates bit for bit.
 *
 * <p>Stops when ‖g‖∞ ≤ {@code gradientTolerance}, when the objective decreases by less than
 * {@code valueTolerance}·max(1, |f|) over an iteration, when the line search cannot decrease
 * f any more (at the floor of floating-point precision), or after {@code maxIterations}.
 */
public final class Lbfgs {
    /** f(x), writing ∇f(x) into {@code gradient}. */
    @FunctionalInterface
    public interface Objective {
        double valueAndGradient(double[] x, double[] gradient);
    }

    /** The minimiser found, its value and gradient norm, iterations and function evaluations. */
    public record Result(double[] x, double value, double gradientNorm, int iterations, int evaluations, boolean converged) {}

    private final int memory;
    private final int maxIterations;
    private final double gradientTolerance;
    private final double valueTolerance;

    public Lbfgs(int memory, int maxIterations, double gradientTolerance, double valueTolerance) {
        if (memory < 1) throw new IllegalArgumentException("memory must be >= 1");
        this.memory = memory;
        this.maxIterations = maxIterations;
        this.gradientTolerance = gradientTolerance;
        this.valueTolerance = valueTolerance;
    }

    /**
     * Memory 10, ‖g‖∞ ≤ 1e-5 (scipy's default pgtol), relative decrease 1e-10. On the probe's
     * logistic objectives the last digits converge slowly (flat directions of nearly separable
     * classes); at 1e-5 the objective is within ~1e-5 of its minimum, far below what changes a
     * prediction.
     */
    public static Lbfgs defaults(int maxIterations) {
        return new Lbfgs(10, maxIterations, 1e-5, 1e-10);
    }

    public Result minimize(Objective f, double[] start) {
        int n = start.length;
        double[] x = start.clone();
        double[] g = new double[n];
        double fx = f.valueAndGradient(x, g);
        int evals = 1;
        double[][] s = new double[memory][n];
        double[][] y = new double[memory][n];
        double[] rho = new double[memory];
        double[] alpha = new double[memory];
        int stored = 0, head = 0; // ring buffer: newest pair at (head - 1)
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        int iter = 0;
        boolean converged = normInf(g) <= gradientTolerance;
        while (!converged && iter < maxIterations) {
            // d = -H g by the two-loop recursion
            for (int i = 0; i < n; i++) d[i] = -g[i];
            for (int k = 0; k < stored; k++) {
                int j = Math.floorMod(head - 1 - k, memory);
                alpha[j] = rho[j] * dot(s[j], d);
                axpy(-alpha[j], y[j], d);
            }
            if (stored > 0) {
                int j = Math.floorMod(head - 1, memory);
                double gamma = dot(s[j], y[j]) / dot(y[j], y[j]);
                for (int i = 0; i < n; i++) d[i] *= gamma;
            }
            for (int k = stored - 1; k >= 0; k--) {
                int j = Math.floorMod(head - 1 - k, memory);
                double beta = rho[j] * dot(y[j], d);
                axpy(alpha[j] - beta, s[j], d);
            }
            double slope = dot(g, d);
            if (!(slope < 0)) { // not a descent direction (numerical trouble): restart from steepest descent
                for (int i = 0; i < n; i++) d[i] = -g[i];
                slope = dot(g, d);
                stored = 0;
            }
            double step = (iter == 0 && stored == 0) ? Math.min(1.0, 1.0 / Math.max(norm2(g), 1e-300)) : 1.0;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int ls = 0; ls < 60; ls++) {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
                fNew = f.valueAndGradient(xNew, gNew);
                evals++;
                if (Double.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            iter++;
            if (!accepted) break; // no decrease possible at floating-point precision
            // store the pair
            double[] sj = s[head], yj = y[head];
            for (int i = 0; i < n; i++) {
                sj[i] = xNew[i] - x[i];
                yj[i] = gNew[i] - g[i];
            }
            double sy = dot(sj, yj);
            if (sy > 1e-12 * dot(yj, yj)) {
                rho[head] = 1.0 / sy;
                head = (head + 1) % memory;
                stored = Math.min(stored + 1, memory);
            }
            double decrease = fx - fNew;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            if (normInf(g) <= gradientTolerance) {
                converged = true;
            } else if (decrease <= valueTolerance * Math.max(1.0, Math.abs(fx))) {
                converged = true;
            }
        }
        return new Result(x, fx, normInf(g), iter, evals, converged);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) y[i] += a * x[i];
    }

    static double norm2(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    static double normInf(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
