package flatlm.flatness;

import flatlm.util.BadInputException;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * The Lanczos iteration for the top Hessian eigenvalue ({@link TopEigenvalue}): an orthonormal
 * Krylov basis q_0.. of H from v0, with full re-orthogonalisation; α_j = q_jᵀ H q_j,
 * β_j = ||H q_j − Σ_k (q_kᵀ H q_j) q_k||; the largest eigenvalue θ of the tridiagonal
 * T = tridiag(β, α, β) is the estimate, its eigenvector y the Ritz vector Σ_j y_j q_j.
 */
final class Lanczos {
    private Lanczos() {}

    /**
     * Up to {@code maxIter} Lanczos steps from {@code v0}; stops when the top Ritz pair's residual
     * {@code |β_j y_j| / |θ|} is at most {@code tol} (or the Krylov space is exhausted).
     */
    static TopEigenvalue.Full run(TopEigenvalue.Operator h, Params params, Tensor v0, double tol, int maxIter) {
        long p = params.size();
        int m = (int) Math.min(maxIter, p);
        double bytes = (double) (m + 1) * p * (params.dtype() == torch.ScalarType.Double ? 8 : 4);
        if (bytes > 2.0 * (1L << 30))
            throw new BadInputException(String.format("Lanczos would keep %.1f GiB of basis vectors (%d iterations x %d parameters): "
                + "lower --eig-iterations or use --eig-method power", bytes / (1L << 30), m, p));
        Tensor basis = torch.zeros(new long[] {m + 1, p}, params.options());
        basis.select(0, 0).copy_(v0.div(flatlm.model.Torch.scalar(TopEigenvalue.norm(v0))));
        List<Double> alpha = new ArrayList<>();
        List<Double> beta = new ArrayList<>();
        double theta = Double.NaN, prev = Double.NaN, residual = Double.NaN, relChange = Double.NaN;
        double[] ritz = null;
        boolean converged = false;
        int steps = 0;
        for (int j = 0; j < m; j++) {
            try (PointerScope s = new PointerScope()) {
                Tensor q = basis.select(0, j);
                Tensor w = h.apply(q);
                double a = w.dot(q).item_double();
                alpha.add(a);
                // full re-orthogonalisation against q_0..q_j (twice is enough)
                Tensor qs = basis.narrow(0, 0, j + 1);
                for (int pass = 0; pass < 2; pass++) w = w.sub(qs.t().matmul(qs.matmul(w)));
                double b = TopEigenvalue.norm(w);
                steps = j + 1;
                EigenDecomposition eig = tridiagonal(alpha, beta);
                int top = argmax(eig.getRealEigenvalues());
                theta = eig.getRealEigenvalues()[top];
                ritz = eig.getEigenvector(top).toArray();
                residual = Math.abs(b * ritz[j]) / Math.abs(theta);
                relChange = Double.isNaN(prev) ? Double.NaN : Math.abs(theta - prev) / Math.abs(theta);
                prev = theta;
                if (residual <= tol || b <= 1e-12 * Math.abs(theta)) {
                    converged = true;
                    break;
                }
                if (j + 1 < m + 1) basis.select(0, j + 1).copy_(w.div(flatlm.model.Torch.scalar(b)));
                beta.add(b);
            }
        }
        double[] y;
        try (PointerScope s = new PointerScope()) {
            Tensor coeffs = flatlm.model.Torch.floatingTensor(ritz, params.dtype(), steps).to(basis.device(), params.dtype());
            Tensor vec = coeffs.matmul(basis.narrow(0, 0, steps));
            y = flatlm.model.Torch.toDoubles(vec.div(flatlm.model.Torch.scalar(TopEigenvalue.norm(vec))));
        }
        return new TopEigenvalue.Full(new TopEigenvalue.Result(theta, theta, steps, converged, residual, relChange, h.hvps, 0), y);
    }

    private static EigenDecomposition tridiagonal(List<Double> alpha, List<Double> beta) {
        int n = alpha.size();
        double[] main = new double[n];
        double[] sub = new double[n - 1];
        for (int i = 0; i < n; i++) main[i] = alpha.get(i);
        for (int i = 0; i < n - 1; i++) sub[i] = beta.get(i);
        if (n == 1) {
            return new EigenDecomposition(new org.apache.commons.math3.linear.Array2DRowRealMatrix(new double[][] {{main[0]}}));
        }
        return new EigenDecomposition(main, sub);
    }

    private static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
