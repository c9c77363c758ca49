package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;
import flatlm.stats.Summary;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Downstream adaptation as in Theorem 6.1: the first layer (W_Q, W_K, W_V, w) is frozen, a new
 * output head b ∈ R^m on the hidden activations φ(x) = ReLU(W h(x)) is fitted by minimum-norm least
 * squares on N labelled samples of the downstream distribution (n i.i.d. uniform brackets, target
 * count = #"(" − #")"), and scored by its exact population error E (bᵀφ(x) − count(x))², all 2^n
 * strings enumerated. (Predicting 0 scores E count² = n.)
 *
 * <p>The fit works in the kernel form: predictions on every string = G[:, S] G[S, S]⁺ y_S with the
 * Gram matrix G = ΦΦᵀ of all 2^n strings, which is the min-norm solution whatever N and m are.
 */
public final class DownstreamProbe {
    private final List<Input> strings;
    private final double[][] gram;
    private final double[] target;

    /** Features of every downstream string under {@code model}. */
    public DownstreamProbe(OneLayerModel model) {
        this(model, DyckInputs.downstream(model.n()));
    }

    DownstreamProbe(OneLayerModel model, List<Input> strings) {
        this.strings = strings;
        int s = strings.size(), m = model.width();
        double[][] phi = new double[s][m];
        OneLayerModel.Work ws = model.work();
        target = new double[s];
        for (int i = 0; i < s; i++) {
            model.forward(strings.get(i), ws);
            model.features(ws, phi[i]);
            target[i] = strings.get(i).y();
        }
        gram = new double[s][s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j <= i; j++) {
                double g = OneLayerModel.dot(phi[i], phi[j]);
                gram[i][j] = g;
                gram[j][i] = g;
            }
        }
    }

    /** Population error of the min-norm head fitted on the strings numbered {@code sample}. */
    public double errorOn(int[] sample) {
        int nS = sample.length, s = strings.size();
        double[][] k = new double[nS][nS];
        double[] y = new double[nS];
        for (int i = 0; i < nS; i++) {
            y[i] = target[sample[i]];
            for (int j = 0; j < nS; j++) k[i][j] = gram[sample[i]][sample[j]];
        }
        double[] beta = MinNorm.pinvSolve(k, y, MinNorm.REL_TOL);
        double err = 0;
        for (int x = 0; x < s; x++) {
            double pred = 0;
            for (int i = 0; i < nS; i++) pred += gram[x][sample[i]] * beta[i];
            double r = pred - target[x];
            err += r * r;
        }
        return err / s;
    }

    /** Population error with N i.i.d. uniform samples. */
    public double error(int samples, RandomGenerator rng) {
        int[] sample = new int[samples];
        for (int i = 0; i < samples; i++) sample[i] = rng.nextInt(strings.size());
        return errorOn(sample);
    }

    /** Mean and standard error over seeds. */
    public record Stat(int samples, double mean, double stderr, double[] perSeed) {}

    /** For each N, {@code seeds} independent draws of N samples. */
    public Stat[] curve(int[] samples, int seeds, RandomGenerator rng) {
        Stat[] out = new Stat[samples.length];
        for (int i = 0; i < samples.length; i++) {
            double[] e = new double[seeds];
            for (int s = 0; s < seeds; s++) e[s] = error(samples[i], rng);
            out[i] = stat(samples[i], e);
        }
        return out;
    }

    /** Mean and s.e. = sd/√seeds ({@link Summary}: NaN with one seed). */
    static Stat stat(int n, double[] e) {
        Summary s = Summary.of(e);
        return new Stat(n, s.mean(), s.se(), e);
    }

    /**
     * What Theorem 6.1 predicts for a flattest (transferable) solution: the head is exact as soon as
     * the sample holds a string with count &gt; 0 and one with count &lt; 0; otherwise the missing sign's
     * half is predicted as 0. Expected error n (1 − p)^N with p = P(count &gt; 0).
     */
    public static double theoryTransferable(int n, int samples) {
        return n * Math.pow(1 - DyckInputs.probPositiveCount(n), samples);
    }
}
