package flatlm.eval;

import flatlm.model.Torch;
import flatlm.util.BadInputException;
import flatlm.util.Shuffle;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A linear head on fixed features, fitted on one convex objective (float64, on libtorch tensors):
 * <ul>
 * <li>classification (K ≥ 2 classes): multinomial logistic regression,
 *     f(W,b) = (1/N) Σ_n −log softmax(x_n W + b)_{y_n} + (λ/2)‖W‖²;</li>
 * <li>regression (K = 0, e.g. the Dyck count): ridge regression,
 *     f(w,b) = (1/2N) Σ_n (x_n·w + b − y_n)² + (λ/2)‖w‖².</li>
 * </ul>
 * The bias is not penalised. Two solvers minimise the same f:
 * <ul>
 * <li>{@link Solver#LBFGS} (default): full-batch L-BFGS ({@link Lbfgs}) from W = 0. The problem is
 *     strictly convex (λ &gt; 0), so it converges to the unique minimiser, deterministically (no
 *     batch order, no initialisation), in a few hundred matrix products: differences between
 *     checkpoints then come from the features, not from optimisation noise or under-training.</li>
 * <li>{@link Solver#ADAMW}: the paper's protocol, mini-batch Adam(W) with lr 1e-3 (β 0.9/0.999,
 *     ε 1e-8) for 100 epochs from PyTorch's nn.Linear initialisation U(±1/√D), batches shuffled
 *     every epoch. The weight decay is the objective's L2 term (in the gradient), so both solvers
 *     target the same minimiser; Adam's constant step leaves it near, not at, the optimum.</li>
 * </ul>
 */
public final class LinearProbe {
    /**
     * L-BFGS works in whitened coordinates (an exact reparametrisation, see
     * {@code Problem.preconditioned}) up to this many features; above, the O(N·D²) setup would
     * cost more than it saves, and it runs on the features as they are.
     */
    public static final int PRECONDITION_MAX_DIM = 2048;

    public enum Solver {
        LBFGS, ADAMW;

        public static Solver parse(String s) {
            return switch (s.toLowerCase()) {
                case "lbfgs", "l-bfgs" -> LBFGS;
                case "adamw", "adam" -> ADAMW;
                default -> throw new BadInputException("unknown probe solver '" + s + "' (expected lbfgs or adamw)");
            };
        }

        public String id() {
            return this == LBFGS ? "lbfgs" : "adamw";
        }
    }

    /**
     * Solver settings. {@code weightDecay} is λ of the objective; {@code maxIterations} bounds
     * L-BFGS; {@code lr}, {@code epochs}, {@code batchSize} are AdamW's.
     */
    public record Options(Solver solver, double weightDecay, int maxIterations, double lr, int epochs, int batchSize) {
        public static final double DEFAULT_WEIGHT_DECAY = 1e-2;

        public Options {
            if (solver == null) solver = Solver.LBFGS;
            if (!(weightDecay > 0) || !Double.isFinite(weightDecay))
                throw new BadInputException("solver.weightDecay must be > 0 (it makes the problem strictly convex), got " + weightDecay);
            if (maxIterations < 1) throw new BadInputException("solver.maxIterations must be >= 1, got " + maxIterations);
            if (!(lr > 0)) throw new BadInputException("solver.lr must be > 0, got " + lr);
            if (epochs < 1) throw new BadInputException("solver.epochs must be >= 1, got " + epochs);
            if (batchSize < 1) throw new BadInputException("solver.batchSize must be >= 1, got " + batchSize);
        }

        /** L-BFGS, λ = 1e-2, at most 1000 iterations (AdamW settings: the paper's lr 1e-3, 100 epochs, batch 64). */
        public static Options defaults() {
            return new Options(Solver.LBFGS, DEFAULT_WEIGHT_DECAY, 1000, 1e-3, 100, 64);
        }

        public Options withSolver(Solver s) {
            return new Options(s, weightDecay, maxIterations, lr, epochs, batchSize);
        }

        public Options withWeightDecay(double wd) {
            return new Options(solver, wd, maxIterations, lr, epochs, batchSize);
        }

        public Options withAdam(double lr, int epochs, int batchSize) {
            return new Options(solver, weightDecay, maxIterations, lr, epochs, batchSize);
        }
    }

    /**
     * A fitted head: {@code weights} is {@code [dim, outputs]} row-major, {@code bias [outputs]};
     * outputs = K for classification, 1 for regression. {@code objective} is f at the solution
     * on the training set; {@code iterations} are L-BFGS iterations or Adam steps.
     */
    public record Fit(double[] weights, double[] bias, int dim, int outputs, boolean regression,
                      double objective, int iterations, boolean converged) {
        /** Predicted values (regression) of every row. */
        public double[] predictValues(FeatureMatrix x) {
            if (!regression) throw new IllegalStateException("a classification head predicts classes");
            return scores(x);
        }

        /** x W + b, {@code [rows, outputs]} row-major. */
        public double[] scores(FeatureMatrix x) {
            if (x.cols() != dim) throw new IllegalArgumentException("features have " + x.cols() + " columns, the head " + dim);
            try (PointerScope scope = new PointerScope()) {
                Tensor xt = Torch.floatingTensor(x.data(), torch.ScalarType.Double, x.rows(), x.cols());
                Tensor w = Torch.floatingTensor(weights, torch.ScalarType.Double, dim, outputs);
                Tensor b = Torch.floatingTensor(bias, torch.ScalarType.Double, outputs);
                return Torch.toDoubles(xt.matmul(w).add(b));
            }
        }
    }

    /**
     * Accuracy (classification, or of the rounded prediction for regression), MSE (regression;
     * NaN otherwise) and cross-entropy (classification: (1/N) Σ_n −log softmax(x_n W + b)_{y_n},
     * nats, without the weight penalty; NaN for regression).
     */
    public record Evaluation(double accuracy, double mse, double crossEntropy) {}

    private LinearProbe() {}

    /**
     * Fits the head on {@code x} with labels {@code y} ({@code numClasses} ≥ 2 classes, or 0 for
     * regression with integer targets). {@code rng} draws AdamW's initialisation and batch order
     * (L-BFGS does not use it).
     */
    public static Fit fit(FeatureMatrix x, int[] y, int numClasses, Options o, RandomGenerator rng) {
        if (x.rows() != y.length) throw new IllegalArgumentException(x.rows() + " feature rows but " + y.length + " labels");
        if (x.rows() == 0) throw new BadInputException("the probe needs at least one training example");
        if (numClasses == 1 || numClasses < 0) throw new IllegalArgumentException("numClasses must be 0 (regression) or >= 2");
        for (int label : y) {
            if (numClasses > 0 && (label < 0 || label >= numClasses))
                throw new IllegalArgumentException("label " + label + " outside 0.." + (numClasses - 1));
        }
        try (Problem p = new Problem(x, y, numClasses, o.weightDecay())) {
            return o.solver() == Solver.LBFGS ? p.lbfgs(o.maxIterations()) : p.adam(o, rng);
        }
    }

    /** The objective f of {@code fit}'s parameters on {@code (x, y)} with weight decay λ. */
    public static double objective(FeatureMatrix x, int[] y, int numClasses, double weightDecay, Fit fit) {
        try (Problem p = new Problem(x, y, numClasses, weightDecay)) {
            return p.valueAndGradient(p.theta(fit.weights(), fit.bias()), null, null);
        }
    }

    /** Accuracy (and MSE for regression) of {@code fit} on {@code (x, y)}. */
    public static Evaluation evaluate(Fit fit, FeatureMatrix x, int[] y) {
        if (x.rows() == 0) return new Evaluation(Double.NaN, Double.NaN, Double.NaN);
        if (fit.regression()) {
            double[] pred = fit.predictValues(x);
            double se = 0;
            int hits = 0;
            for (int r = 0; r < y.length; r++) {
                double d = pred[r] - y[r];
                se += d * d;
                if (Math.round(pred[r]) == y[r]) hits++;
            }
            return new Evaluation((double) hits / y.length, se / y.length, Double.NaN);
        }
        double[] s = fit.scores(x);
        int k = fit.outputs(), hits = 0;
        double ce = 0;
        for (int r = 0; r < y.length; r++) {
            int best = 0;
            double max = s[r * k];
            for (int c = 1; c < k; c++) if (s[r * k + c] > max) { max = s[r * k + c]; best = c; }
            if (best == y[r]) hits++;
            double z = 0;
            for (int c = 0; c < k; c++) z += Math.exp(s[r * k + c] - max);
            ce += max + Math.log(z) - s[r * k + y[r]];
        }
        return new Evaluation((double) hits / y.length, Double.NaN, ce / y.length);
    }

    /**
     * The data of one fit as float64 tensors, released on close. Internally the parameters are
     * θ = (Wᵀ [K, D] row-major, b [K]) and the scores are computed transposed, Zᵀ = Wᵀ Xᵀ + b
     * ([K, N]), with both X and Xᵀ stored contiguously: with few classes this layout makes both
     * matrix products and the softmax (over the short leading dimension) several times faster
     * than the [N, K] layout.
     */
    private static final class Problem implements AutoCloseable {
        final int n, dim, outputs;
        final boolean regression;
        final double lambda;
        final Tensor x;       // [N, D] double: the design matrix
        final Tensor xt;      // [D, N] its transpose, contiguous
        final Tensor target;  // [K, N] double: one-hot columns (classification) or the targets (regression, K = 1)
        final Tensor penalty; // [1, D] per-feature weights of the L2 penalty; null = all 1

        Problem(FeatureMatrix fm, int[] y, int numClasses, double lambda) {
            this.n = fm.rows();
            this.dim = fm.cols();
            this.regression = numClasses == 0;
            this.outputs = regression ? 1 : numClasses;
            this.lambda = lambda;
            this.penalty = null;
            try (PointerScope scope = new PointerScope()) {
                x = Torch.keep(Torch.floatingTensor(fm.data(), torch.ScalarType.Double, n, dim));
                xt = Torch.keep(x.t().contiguous());
                double[] t = new double[outputs * n];
                for (int r = 0; r < n; r++) {
                    if (regression) t[r] = y[r];
                    else t[y[r] * n + r] = 1;
                }
                target = Torch.keep(Torch.floatingTensor(t, torch.ScalarType.Double, outputs, n));
            }
        }

        /** The same objective in other coordinates: design {@code x}, penalty weights {@code penalty}. */
        private Problem(Problem p, Tensor x, Tensor penalty) {
            this.n = p.n;
            this.dim = p.dim;
            this.regression = p.regression;
            this.outputs = p.outputs;
            this.lambda = p.lambda;
            try (PointerScope scope = new PointerScope()) {
                this.x = x;
                this.xt = Torch.keep(x.t().contiguous());
                this.target = Torch.keep(p.target.clone());
            }
            this.penalty = penalty;
        }

        int size() {
            return dim * outputs + outputs;
        }

        /**
         * f (on the rows {@code rows}, all when null; the penalty is not scaled by the batch) and,
         * if {@code grad} is not null, its gradient; θ in the internal layout (Wᵀ, b).
         */
        double valueAndGradient(double[] theta, double[] grad, Tensor rows) {
            try (PointerScope scope = new PointerScope()) {
                int wn = dim * outputs;
                Tensor wt = Torch.floatingTensor(Arrays.copyOf(theta, wn), torch.ScalarType.Double, outputs, dim);
                Tensor b = Torch.floatingTensor(Arrays.copyOfRange(theta, wn, wn + outputs), torch.ScalarType.Double, outputs, 1);
                Tensor xb = rows == null ? x : x.index_select(0, rows);             // [m, D]
                Tensor xbt = rows == null ? xt : xb.t();                             // [D, m]
                Tensor tb = rows == null ? target : target.index_select(1, rows);    // [K, m]
                long m = xb.size(0);
                Tensor z = wt.matmul(xbt).add(b);                                    // [K, m]
                double data;
                Tensor residual; // d(data term)/dz · m
                if (regression) {
                    residual = z.sub(tb);
                    data = 0.5 * residual.square().sum().item_double() / m;
                } else {
                    Tensor logp = z.log_softmax(0);
                    data = -logp.mul(tb).sum().item_double() / m;
                    residual = logp.exp().sub(tb);
                }
                Tensor pw = penalty == null ? wt : wt.mul(penalty); // ∂(½ Σ p_j w_jk²)/∂w
                double value = data + 0.5 * lambda * pw.mul(wt).sum().item_double();
                if (grad != null) {
                    Tensor gw = residual.matmul(xb).div(new Scalar((double) m)).add(pw, new Scalar(lambda)); // [K, D]
                    Tensor gb = residual.sum(1).div(new Scalar((double) m));
                    System.arraycopy(Torch.toDoubles(gw), 0, grad, 0, wn);
                    System.arraycopy(Torch.toDoubles(gb), 0, grad, wn, outputs);
                }
                return value;
            }
        }

        /**
         * The objective in preconditioned coordinates W = U·diag(d)·V, with Σ = XᵀX/N = U diag(e) Uᵀ
         * and d = (e + λ)^(−1/2): the design becomes X U diag(d) (whitened: the Hessian of the
         * regression objective is then the identity, and L-BFGS converges in a few iterations) and
         * the penalty ‖W‖² = Σ_j d_j² ‖V_j‖². The same function, reparametrised, so the same
         * minimiser. Returns U·diag(d) ([D, D]) in {@code mapBack[0]}.
         */
        Problem preconditioned(Tensor[] mapBack) {
            try (PointerScope scope = new PointerScope()) {
                Tensor sigma = xt.matmul(x).div(new Scalar((double) n));
                sigma = sigma.add(sigma.t()).mul(new Scalar(0.5)); // exactly symmetric
                var eig = torch.linalg_eigh(sigma);
                Tensor e = eig.get0().clamp_min(new Scalar(0.0));
                Tensor u = eig.get1();
                Tensor d = e.add(new Scalar(lambda)).rsqrt();                // [D]
                Tensor ud = u.mul(d.unsqueeze(0));                           // U diag(d)
                Tensor xw = Torch.keep(x.matmul(ud).contiguous());
                Tensor pen = Torch.keep(d.square().unsqueeze(0));            // [1, D]
                mapBack[0] = Torch.keep(ud);
                return new Problem(this, xw, pen);
            }
        }

        Fit lbfgs(int maxIterations) {
            if (!regression || dim > PRECONDITION_MAX_DIM || penalty != null) {
                Lbfgs.Result r = Lbfgs.defaults(maxIterations).minimize((t, g) -> valueAndGradient(t, g, null), new double[size()]);
                return toFit(r.x(), r.value(), r.iterations(), r.converged());
            }
            Tensor[] mapBack = new Tensor[1];
            Lbfgs.Result r;
            try (Problem p = preconditioned(mapBack)) {
                r = Lbfgs.defaults(maxIterations).minimize((t, g) -> p.valueAndGradient(t, g, null), new double[size()]);
            }
            double[] theta = r.x().clone();
            int wn = dim * outputs;
            try (PointerScope scope = new PointerScope()) {
                // Wᵀ = Vᵀ (U diag(d))ᵀ
                Tensor vt = Torch.floatingTensor(Arrays.copyOf(theta, wn), torch.ScalarType.Double, outputs, dim);
                System.arraycopy(Torch.toDoubles(vt.matmul(mapBack[0].t())), 0, theta, 0, wn);
            } finally {
                mapBack[0].releaseReference();
            }
            return toFit(theta, valueAndGradient(theta, null, null), r.iterations(), r.converged());
        }

        Fit adam(Options o, RandomGenerator rng) {
            int size = size();
            double[] theta = new double[size];
            double bound = 1.0 / Math.sqrt(dim);
            for (int i = 0; i < size; i++) theta[i] = (2 * rng.nextDouble() - 1) * bound;
            double[] m = new double[size], v = new double[size], g = new double[size];
            double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
            int[] order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            int t = 0;
            for (int epoch = 0; epoch < o.epochs(); epoch++) {
                Shuffle.inPlace(order, rng);
                for (int start = 0; start < n; start += o.batchSize()) {
                    int bs = Math.min(o.batchSize(), n - start);
                    long[] idx = new long[bs];
                    for (int k = 0; k < bs; k++) idx[k] = order[start + k];
                    try (PointerScope scope = new PointerScope()) {
                        Tensor rows = bs == n ? null : Torch.longTensor(idx, bs);
                        valueAndGradient(theta, g, rows);
                    }
                    t++;
                    double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
                    for (int i = 0; i < size; i++) {
                        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                        theta[i] -= o.lr() * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + eps);
                    }
                }
            }
            return toFit(theta, valueAndGradient(theta, null, null), t, false);
        }

        /** θ in the layout of {@link #valueAndGradient} from a head's [D, K] weights and bias. */
        double[] theta(double[] weights, double[] bias) {
            double[] theta = new double[size()];
            for (int j = 0; j < dim; j++) for (int k = 0; k < outputs; k++) theta[k * dim + j] = weights[j * outputs + k];
            System.arraycopy(bias, 0, theta, dim * outputs, outputs);
            return theta;
        }

        private Fit toFit(double[] theta, double value, int iterations, boolean converged) {
            double[] w = new double[dim * outputs];
            for (int k = 0; k < outputs; k++) for (int j = 0; j < dim; j++) w[j * outputs + k] = theta[k * dim + j];
            int wn = dim * outputs;
            return new Fit(w, Arrays.copyOfRange(theta, wn, wn + outputs), dim, outputs, regression, value, iterations, converged);
        }

        @Override
        public void close() {
            x.releaseReference();
            xt.releaseReference();
            target.releaseReference();
            if (penalty != null) penalty.releaseReference();
        }
    }
}
