package flatlm.lang;

import java.util.random.RandomGenerator;

/**
 * Dirichlet draws from Gamma draws, deterministic given the {@link RandomGenerator}.
 * Gamma variates are produced in log space so that tiny concentrations do not underflow.
 */
public final class Dirichlet {
    private Dirichlet() {}

    /**
     * Dirichlet(α, ..., α) over {@code k} coordinates: p_j = G_j / Σ G, G_j ~ Gamma(α, 1),
     * computed as p_j = exp(log G_j − max) / Σ exp(log G − max), so the largest coordinate is
     * never underflowed to 0 and the row always sums to 1.
     */
    public static double[] sample(double alpha, int k, RandomGenerator rng) {
        double[] logs = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            logs[j] = logGamma(alpha, rng);
            max = Math.max(max, logs[j]);
        }
        double sum = 0;
        double[] p = new double[k];
        for (int j = 0; j < k; j++) {
            p[j] = Math.exp(logs[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < k; j++) p[j] /= sum;
        return p;
    }

    /**
     * log of a Gamma(shape, 1) variate. Marsaglia &amp; Tsang (2000) for shape ≥ 1:
     * d = a − 1/3, c = 1/√(9d); draw x ~ N(0,1), v = (1 + c x)³, accept when v &gt; 0 and
     * log U &lt; x²/2 + d − d v + d log v; return d v.
     * For shape &lt; 1 the boost: Gamma(a) = Gamma(a + 1) · U^(1/a), i.e. log G + log(U)/a.
     */
    public static double logGamma(double shape, RandomGenerator rng) {
        if (!(shape > 0) || Double.isInfinite(shape)) {
            throw new IllegalArgumentException("Gamma shape must be positive and finite, got " + shape);
        }
        if (shape < 1) {
            double u = 1.0 - rng.nextDouble(); // in (0, 1]
            return logGamma(shape + 1, rng) + Math.log(u) / shape;
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.sqrt(9 * d);
        while (true) {
            double x = rng.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = 1.0 - rng.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
        }
    }
}
