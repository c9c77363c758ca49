package flatlm.flatness;

import flatlm.model.MlmModel;
import flatlm.stats.RunningStats;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The largest (algebraic) eigenvalue of the Hessian of the pre-training loss on a set of masked
 * contexts, from Hessian-vector products (double back-propagation), by Lanczos (default) or
 * power iteration, with its convergence reported.
 *
 * <ul>
 * <li><b>Lanczos</b> with full re-orthogonalisation (the basis is kept, {@code (maxIter+1)·P}
 * numbers): after j steps the largest Ritz value θ of the tridiagonal T_j has residual
 * {@code r = ||H y − θ y|| = β_j |s_j|} (y the Ritz vector, s_j the last entry of T_j's eigenvector),
 * and some eigenvalue of H lies within r of θ. Converged when {@code r ≤ tol·|θ|}.</li>
 * <li><b>Power iteration</b>: v ← Hv/||Hv||, Rayleigh quotient λ = vᵀHv; converged when λ changes by
 * at most {@code tol·|λ|} between iterations (PyHessian's rule); the residual ||Hv − λv|| is
 * reported. It finds the eigenvalue of largest magnitude; when that one is negative (a saddle),
 * a second iteration on {@code H − λ I} finds the largest algebraic one.</li>
 * </ul>
 *
 * {@link #estimate} draws N contexts from the language (the Hessian of the population loss is
 * not available, only of a sample) and reports a standard error by the delta method: with y the
 * top unit eigenvector of the sample Hessian, λ = mean over G groups of contexts of {@code yᵀ H_g y},
 * and the standard error is the groups' standard deviation / √G. It doubles N until the relative
 * standard error reaches the budget. Note that the top eigenvalue of a sample Hessian is biased
 * upwards as an estimate of the population one (λ_max is convex in H: Jensen); the bias shrinks
 * with N and is not part of the standard error.
 */
public final class TopEigenvalue {
    private TopEigenvalue() {}

    public enum Method {
        LANCZOS, POWER;

        public static Method parse(String s) {
            return switch (s) {
                case "lanczos" -> LANCZOS;
                case "power" -> POWER;
                default -> throw new BadInputException("--eig-method: expected lanczos or power, got '" + s + "'");
            };
        }
    }

    /**
     * Result on a fixed context set.
     *
     * @param value       largest algebraic eigenvalue
     * @param dominant    eigenvalue of largest magnitude found (power iteration; = value for Lanczos
     *                    when value is the largest in magnitude)
     * @param iterations  Lanczos steps or power iterations (both passes of a shifted power iteration)
     * @param converged   whether the tolerance was met within the iteration limit
     * @param residual    {@code ||H y − λ y|| / |λ|} at the returned eigenpair
     * @param relChange   relative change of the estimate in the last iteration
     * @param hvps        Hessian-vector products over the whole set
     */
    public record Result(double value, double dominant, int iterations, boolean converged, double residual,
                         double relChange, long hvps, double seconds) {}

    /** Maximum contexts per forward pass of a Hessian-vector product (larger sets are chunked). */
    public static final int CHUNK = 512;

    /** The top eigenvalue of the Hessian of {@code Σ_c w_c ℓ_c} over {@code set}. */
    public static Result compute(MlmModel model, ContextSet set, Labels labels, ParameterSelection selection,
                                 Method method, double tol, int maxIter, RandomGenerator rng) {
        return withEigenvector(model, set, labels, selection, method, tol, maxIter, rng, null).result;
    }

    /** A result with its unit eigenvector. */
    record Full(Result result, double[] vector) {}

    private static Full withEigenvector(MlmModel model, ContextSet set, Labels labels, ParameterSelection selection,
                                       Method method, double tol, int maxIter, RandomGenerator rng, double[] start) {
        if (maxIter < 1) throw new IllegalArgumentException("maxIter must be >= 1");
        boolean training = model.isTraining();
        model.setTraining(false);
        try {
            Params params = new Params(model, selection);
            Operator h = new Operator(model, params, set, labels);
            long t0 = System.nanoTime();
            try (PointerScope outer = new PointerScope()) {
                Tensor v0 = start != null ? params.zeros().copy_(fromDoubles(params, start)) : params.gaussian(rng);
                Full f = method == Method.LANCZOS ? Lanczos.run(h, params, v0, tol, maxIter) : power(h, params, v0, tol, maxIter);
                Result r = f.result;
                return new Full(new Result(r.value, r.dominant, r.iterations, r.converged, r.residual, r.relChange, h.hvps,
                    TraceEstimators.seconds(t0)), f.vector);
            }
        } finally {
            model.setTraining(training);
        }
    }

    private static Tensor fromDoubles(Params params, double[] v) {
        return flatlm.model.Torch.floatingTensor(v, params.dtype(), v.length);
    }

    /** H·v over the set, chunked, with a count of products. */
    static final class Operator {
        final MlmModel model;
        final Params params;
        final ContextSet set;
        final Labels labels;
        long hvps;

        Operator(MlmModel model, Params params, ContextSet set, Labels labels) {
            this.model = model;
            this.params = params;
            this.set = set;
            this.labels = labels;
        }

        /** H v (a new flat tensor, allocated in the caller's scope). */
        Tensor apply(Tensor v) {
            hvps++;
            List<MaskedContext> all = set.contexts();
            double[] w = set.weights();
            Tensor acc = null;
            for (int from = 0; from < all.size(); from += CHUNK) {
                int to = Math.min(all.size(), from + CHUNK);
                Tensor hv = params.hvp(Params.loss(model, all.subList(from, to), java.util.Arrays.copyOfRange(w, from, to), labels), v);
                acc = acc == null ? hv : acc.add(hv);
            }
            return acc;
        }
    }

    static double norm(Tensor v) {
        return v.norm().item_double();
    }

    // ---------------------------------------------------------------- power iteration

    private static Full power(Operator h, Params params, Tensor v0, double tol, int maxIter) {
        Tensor v = params.zeros();
        v.copy_(v0.div(flatlm.model.Torch.scalar(norm(v0))));
        double[] first = powerPass(h, v, 0.0, tol, maxIter);
        double dominant = first[0];
        int iterations = (int) first[1];
        boolean converged = first[2] > 0;
        double residual = first[3], relChange = first[4], value = dominant;
        if (dominant < 0) {
            // the largest algebraic eigenvalue: dominant eigenvalue of H − λ_dom I (all ≥ 0) plus λ_dom
            Tensor w = params.zeros();
            try (PointerScope s = new PointerScope()) {
                Tensor g = params.gaussian(new java.util.SplittableRandom(iterations));
                w.copy_(g.div(flatlm.model.Torch.scalar(norm(g))));
            }
            double[] second = powerPass(h, w, dominant, tol, Math.max(1, maxIter - iterations));
            value = second[0] + dominant;
            iterations += (int) second[1];
            converged = converged && second[2] > 0;
            residual = second[3] * Math.abs(second[0]) / Math.abs(value);
            relChange = second[4] * Math.abs(second[0]) / Math.abs(value);
            v = w;
        }
        return new Full(new Result(value, dominant, iterations, converged, residual, relChange, h.hvps, 0),
            flatlm.model.Torch.toDoubles(v));
    }

    /**
     * Power iteration on {@code H − shift·I} from the unit vector {@code v} (updated in place);
     * returns {eigenvalue of H − shift·I, iterations, converged 1/0, residual/|λ|, relChange}.
     */
    private static double[] powerPass(Operator h, Tensor v, double shift, double tol, int maxIter) {
        double lambda = Double.NaN, residual = Double.NaN, relChange = Double.NaN;
        boolean converged = false;
        int it = 0;
        while (it < maxIter) {
            it++;
            try (PointerScope s = new PointerScope()) {
                Tensor w = h.apply(v);
                if (shift != 0) w = w.sub(v.mul(flatlm.model.Torch.scalar(shift)));
                double next = w.dot(v).item_double();
                residual = norm(w.sub(v.mul(flatlm.model.Torch.scalar(next)))) / Math.abs(next);
                relChange = Double.isNaN(lambda) ? Double.NaN : Math.abs(next - lambda) / Math.abs(next);
                lambda = next;
                double nw = norm(w);
                if (nw == 0) {
                    converged = true;
                    break;
                }
                v.copy_(w.div(flatlm.model.Torch.scalar(nw)));
                if (relChange <= tol) {
                    converged = true;
                    break;
                }
            }
        }
        return new double[] {lambda, it, converged ? 1 : 0, residual, relChange};
    }

    // ---------------------------------------------------------------- estimate

    /**
     * The top eigenvalue of the Hessian of the loss on {@code contexts} contexts drawn from
     * {@code source}, with a delta-method standard error over {@code groups} groups of contexts;
     * the set doubles (fresh contexts appended, the eigenvector as the new start) while the
     * relative standard error exceeds {@code budget.relStderr()} and the number of contexts stays
     * within {@code budget.maxSamples()} and the time within {@code budget.maxSeconds()}.
     */
    public static Estimate estimate(MlmModel model, ContextSource source, Labels labels, ParameterSelection selection,
                                    int contexts, int groups, Method method, double tol, int maxIter, Budget budget,
                                    RandomGenerator rng, Progress progress) {
        if (groups < 2) throw new IllegalArgumentException("groups must be >= 2");
        if (contexts < groups) throw new BadInputException("--eig-contexts " + contexts + " is below the " + groups + " groups");
        long t0 = System.nanoTime();
        List<MaskedContext> drawn = new ArrayList<>(source.draw(contexts, rng, labels == Labels.EXACT));
        double[] start = null;
        long hvps = 0;
        int rounds = 0;
        String stop;
        Full f;
        double stderr;
        while (true) {
            rounds++;
            ContextSet set = ContextSet.uniform(drawn);
            f = withEigenvector(model, set, labels, selection, method, tol, maxIter, rng, start);
            hvps += f.result.hvps;
            stderr = groupStderr(model, set, labels, selection, groups, f.vector);
            hvps += groups;
            start = f.vector;
            progress.update(drawn.size(), f.result.value, stderr);
            double elapsed = TraceEstimators.seconds(t0);
            if (budget.relStderr() > 0 && stderr <= budget.relStderr() * Math.abs(f.result.value)) {
                stop = "rel-stderr";
            } else if (2L * drawn.size() > budget.maxSamples()) {
                stop = "max-samples";
            } else if (elapsed >= budget.maxSeconds()) {
                stop = "max-seconds";
            } else if (budget.relStderr() == 0) {
                stop = "fixed";
            } else {
                drawn.addAll(source.draw(drawn.size(), rng, labels == Labels.EXACT));
                continue;
            }
            break;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("method", method.name().toLowerCase());
        details.put("labels", labels.cliName());
        details.put("converged", f.result.converged);
        details.put("iterations", f.result.iterations);
        details.put("residual", f.result.residual);
        details.put("rel_change", f.result.relChange);
        details.put("dominant", f.result.dominant);
        details.put("tolerance", tol);
        details.put("groups", groups);
        details.put("rounds", rounds);
        details.put("excluded", selection.excluded());
        return new Estimate("top-eig", f.result.value, stderr, drawn.size(), drawn.size(), hvps,
            TraceEstimators.seconds(t0), (f.result.converged ? "converged" : "max-iterations") + "," + stop,
            new Params(model, selection).size(), details);
    }

    /** Delta-method standard error of yᵀHy over {@code groups} equal groups of the set. */
    static double groupStderr(MlmModel model, ContextSet set, Labels labels, ParameterSelection selection, int groups,
                              double[] y) {
        boolean training = model.isTraining();
        model.setTraining(false);
        try {
            Params params = new Params(model, selection);
            RunningStats stats = new RunningStats();
            int n = set.size();
            try (PointerScope s = new PointerScope()) {
                Tensor v = fromDoubles(params, y).to(params.zeros().device(), params.dtype());
                for (int g = 0; g < groups; g++) {
                    int from = (int) ((long) n * g / groups);
                    int to = (int) ((long) n * (g + 1) / groups);
                    try (PointerScope inner = new PointerScope()) {
                        Tensor hv = new Operator(model, params, set.slice(from, to), labels).apply(v);
                        stats.add(hv.dot(v).item_double());
                    }
                }
            }
            return stats.stderr();
        } finally {
            model.setTraining(training);
        }
    }
}
