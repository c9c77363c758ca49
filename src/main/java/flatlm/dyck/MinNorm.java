package flatlm.dyck;

/**
 * Minimum-norm least squares, through the pseudo-inverse of a symmetric positive semi-definite
 * Gram matrix ({@link SymmetricEigen}, eigenvalues below {@code relTol · λ_max} treated as zero).
 */
public final class MinNorm {
    /** Default relative eigenvalue cut-off of the pseudo-inverse. */
    public static final double REL_TOL = 1e-11;

    private MinNorm() {}

    /** The pseudo-inverse K⁺ of a symmetric PSD matrix, decomposed once, applied many times. */
    public static final class Pinv {
        private final double[] lambda;
        private final double[][] v;
        private final double cut;

        public Pinv(double[][] k, double relTol) {
            SymmetricEigen eig = new SymmetricEigen(k);
            lambda = eig.values;
            v = eig.vectors;
            double max = 0;
            for (double l : lambda) max = Math.max(max, Math.abs(l));
            cut = relTol * max;
        }

        /** Eigenvalues kept (the numerical rank). */
        public int rank() {
            int r = 0;
            for (double l : lambda) if (l > cut && l > 0) r++;
            return r;
        }

        public double[] apply(double[] y) {
            int n = y.length;
            double[] beta = new double[n];
            for (int e = 0; e < n; e++) {
                if (!(lambda[e] > cut) || lambda[e] <= 0) continue;
                double proj = 0;
                for (int i = 0; i < n; i++) proj += v[i][e] * y[i];
                proj /= lambda[e];
                for (int i = 0; i < n; i++) beta[i] += proj * v[i][e];
            }
            return beta;
        }
    }

    /** β = K⁺ y for a symmetric PSD K. */
    public static double[] pinvSolve(double[][] k, double[] y, double relTol) {
        if (y.length == 0) return new double[0];
        return new Pinv(k, relTol).apply(y);
    }

    /**
     * The minimum-norm solution a of min ‖Φ a − y‖ (Φ has N rows, m columns), by the kernel form
     * a = Φᵀ (ΦΦᵀ)⁺ y, with two steps of iterative refinement (the residual re-solved).
     */
    public static double[] leastSquares(double[][] phi, double[] y) {
        int rows = phi.length, cols = phi[0].length;
        double[][] k = new double[rows][rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                double[] a = phi[i], b = phi[j];
                for (int c = 0; c < cols; c++) s += a[c] * b[c];
                k[i][j] = s;
                k[j][i] = s;
            }
        }
        Pinv pinv = new Pinv(k, REL_TOL);
        double[] sol = transposeTimes(phi, pinv.apply(y), cols);
        for (int it = 0; it < 2; it++) {
            double[] r = new double[rows];
            for (int i = 0; i < rows; i++) r[i] = y[i] - OneLayerModel.dot(phi[i], sol);
            double[] ds = transposeTimes(phi, pinv.apply(r), cols);
            for (int c = 0; c < cols; c++) sol[c] += ds[c];
        }
        return sol;
    }

    static double[] transposeTimes(double[][] phi, double[] beta, int cols) {
        double[] out = new double[cols];
        for (int i = 0; i < phi.length; i++) {
            double b = beta[i];
            if (b == 0) continue;
            for (int c = 0; c < cols; c++) out[c] += phi[i][c] * b;
        }
        return out;
    }
}
