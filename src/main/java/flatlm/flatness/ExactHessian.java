package flatlm.flatness;

import flatlm.model.MlmModel;
import flatlm.model.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * Exact reference quantities for tiny models (a few thousand parameters) on a finite
 * {@link ContextSet}: the dense Hessian (one Hessian-vector product per parameter, by double
 * back-propagation), its trace, and the exact Fisher trace by enumerating every label y.
 * The estimators are tested against these.
 */
public final class ExactHessian {
    private ExactHessian() {}

    /**
     * The dense P×P Hessian of {@code Σ_c w_c ℓ_c} (labels as given): the gradient is built once
     * with {@code create_graph}, then row j is {@code ∇θ (∂L/∂θ_j)}, one backward pass per parameter.
     */
    public static double[][] dense(MlmModel model, ContextSet set, Labels labels, ParameterSelection selection) {
        boolean training = model.isTraining();
        model.setTraining(false);
        try (PointerScope s = new PointerScope()) {
            Params params = new Params(model, selection);
            int p = Math.toIntExact(params.size());
            double[][] h = new double[p][];
            Tensor loss = Params.loss(model, set.contexts(), set.weights(), labels);
            Tensor g = params.flatten(params.grad(loss, true));
            for (int j = 0; j < p; j++) {
                try (PointerScope inner = new PointerScope()) {
                    Tensor gj = g.select(0, j);
                    if (!gj.requires_grad()) {
                        h[j] = new double[p];
                        continue;
                    }
                    TensorVector row = torch.grad(new TensorVector(gj), params.tensors(), new TensorVector(),
                        new BoolOptional(true), false, true);
                    h[j] = Torch.toDoubles(params.flatten(row));
                }
            }
            return h;
        } finally {
            model.setTraining(training);
        }
    }

    /** (H + Hᵀ)/2, exactly symmetric (for a symmetric eigensolver). */
    public static double[][] symmetrize(double[][] h) {
        int n = h.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) s[i][j] = 0.5 * (h[i][j] + h[j][i]);
        return s;
    }

    /**
     * Eigenvalues of the symmetrised matrix, ascending: commons-math3's symmetric
     * {@code EigenDecomposition}, or LAPACK's {@code syevd} (libtorch {@code linalg_eigvalsh}) when
     * commons-math3 fails to converge (it does on some matrices with clustered eigenvalues).
     */
    public static double[] eigenvalues(double[][] h) {
        double[][] sym = symmetrize(h);
        double[] e;
        try {
            e = new org.apache.commons.math3.linear.EigenDecomposition(
                new org.apache.commons.math3.linear.Array2DRowRealMatrix(sym, false)).getRealEigenvalues();
        } catch (org.apache.commons.math3.exception.MaxCountExceededException ex) {
            e = lapackEigenvalues(sym);
        }
        java.util.Arrays.sort(e);
        return e;
    }

    /** Eigenvalues of a symmetric matrix by libtorch's {@code linalg_eigvalsh}, ascending. */
    public static double[] lapackEigenvalues(double[][] sym) {
        int n = sym.length;
        double[] flat = new double[n * n];
        for (int i = 0; i < n; i++) System.arraycopy(sym[i], 0, flat, i * n, n);
        try (PointerScope s = new PointerScope()) {
            return Torch.toDoubles(torch.linalg_eigvalsh(Torch.floatingTensor(flat, torch.ScalarType.Double, n, n)));
        }
    }

    public static double trace(double[][] h) {
        double t = 0;
        for (int i = 0; i < h.length; i++) t += h[i][i];
        return t;
    }

    /** The largest deviation from symmetry |H_ij − H_ji| (rounding only, for a correct Hessian). */
    public static double asymmetry(double[][] h) {
        double worst = 0;
        for (int i = 0; i < h.length; i++)
            for (int j = 0; j < i; j++) worst = Math.max(worst, Math.abs(h[i][j] - h[j][i]));
        return worst;
    }

    /**
     * The exact Fisher trace {@code Σ_c w_c Σ_y q(y|x_c) ||∇θ log q(y|x_c)||²}: V backward passes
     * per context.
     */
    public static double fisherTrace(MlmModel model, ContextSet set, ParameterSelection selection) {
        boolean training = model.isTraining();
        model.setTraining(false);
        try {
            Params params = new Params(model, selection);
            List<MaskedContext> contexts = set.contexts();
            double[] w = set.weights();
            int v = model.vocabWords();
            double total = 0;
            for (int c = 0; c < contexts.size(); c++) {
                try (PointerScope s = new PointerScope()) {
                    Tensor logq = model.logProbs(Params.batch(List.of(contexts.get(c))));
                    double[] lq = Torch.toDoubles(logq);
                    double sum = 0;
                    for (int y = 0; y < v; y++) {
                        try (PointerScope inner = new PointerScope()) {
                            Tensor pick = logq.select(0, 0).select(0, y);
                            TensorVector g = torch.grad(new TensorVector(pick), params.tensors(), new TensorVector(),
                                new BoolOptional(true), false, true);
                            sum += Math.exp(lq[y]) * params.squaredNorm(g).item_double();
                        }
                    }
                    total += w[c] * sum;
                }
            }
            return total;
        } finally {
            model.setTraining(training);
        }
    }
}
