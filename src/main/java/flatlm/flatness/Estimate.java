package flatlm.flatness;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of a flatness estimator.
 *
 * @param estimator  fisher, fisher-per-sample, hutchinson or top-eig
 * @param value      the estimate (Tr(H) or the top eigenvalue)
 * @param stderr     its standard error (sample standard deviation of the i.i.d. values / √n;
 *                   for top-eig: over groups of contexts, see {@link TopEigenvalue})
 * @param samples    number of i.i.d. values averaged (per-sample norms, signed batches, probes)
 * @param contexts   masked contexts (sentences) used
 * @param passes     backward passes (gradients) or Hessian-vector products computed
 * @param seconds    wall time
 * @param stop       why it stopped: rel-stderr, max-samples, max-seconds (top-eig: converged or
 *                   max-iterations, then the stopping reason of the context doubling)
 * @param parameters number of parameters differentiated (after exclusions)
 * @param details    estimator-specific facts (batch size, labels, iterations, residual, ...)
 */
public record Estimate(String estimator, double value, double stderr, long samples, long contexts, long passes,
                       double seconds, String stop, long parameters, Map<String, Object> details) {

    public double relStderr() {
        return stderr / Math.abs(value);
    }

    /** All fields as an ordered map (for JSON lines and CSV). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimator", estimator);
        m.put("value", value);
        m.put("stderr", stderr);
        m.put("rel_stderr", relStderr());
        m.put("samples", samples);
        m.put("contexts", contexts);
        m.put("passes", passes);
        m.put("seconds", seconds);
        m.put("stop", stop);
        m.put("parameters", parameters);
        m.putAll(details);
        return m;
    }
}
