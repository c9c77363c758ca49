package flatlm.lang.causal;

/**
 * The matrix products of the OPT forward pass, shared by {@link OptModel} (one row) and
 * {@link OptBatch} (B rows), so that both give the same bits. Row-major, the matrix stored
 * [in][out]; four input rows of the matrix are combined per pass over an output row
 * (y += x_i w_i + x_{i+1} w_{i+1} + x_{i+2} w_{i+2} + x_{i+3} w_{i+3}), which the JIT vectorises
 * with a quarter of the loads and stores of y of a plain axpy.
 */
final class Kernels {
    private Kernels() {}

    /** Y[r] = b + X[r]·WT for r &lt; rows (b null = 0); X [rows][in], WT [in][out], Y [rows][out]. */
    static void affine(double[] X, int rows, double[] wT, double[] b, double[] Y, int out, int in) {
        for (int r = 0; r < rows; r++) {
            if (b == null) java.util.Arrays.fill(Y, r * out, (r + 1) * out, 0);
            else System.arraycopy(b, 0, Y, r * out, out);
        }
        int i = 0;
        for (; i + 3 < in; i += 4) {
            int o0 = i * out, o1 = o0 + out, o2 = o1 + out, o3 = o2 + out;
            for (int r = 0; r < rows; r++) {
                int xo = r * in + i, yo = r * out;
                double x0 = X[xo], x1 = X[xo + 1], x2 = X[xo + 2], x3 = X[xo + 3];
                for (int c = 0; c < out; c++) {
                    Y[yo + c] += x0 * wT[o0 + c] + x1 * wT[o1 + c] + x2 * wT[o2 + c] + x3 * wT[o3 + c];
                }
            }
        }
        for (; i < in; i++) {
            int o0 = i * out;
            for (int r = 0; r < rows; r++) {
                double x0 = X[r * in + i];
                int yo = r * out;
                for (int c = 0; c < out; c++) Y[yo + c] += x0 * wT[o0 + c];
            }
        }
    }
}
