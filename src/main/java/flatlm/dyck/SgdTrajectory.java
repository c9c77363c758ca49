package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mini-batch SGD on the MLM loss from a random initialisation, fresh samples every step (the
 * population loss, as in the theory), constant learning rate; the exact loss, the exact Tr ∇²L and
 * the downstream error of a min-norm head on the hidden activations are recorded along the way.
 *
 * <p>The Dyck MLM target is a deterministic function of the masked input (the count tells the
 * missing bracket), so at an interpolating solution every per-sample gradient vanishes and SGD
 * has no noise left to drift with. {@code labelNoise} σ &gt; 0 adds N(0, σ²) to each target (the
 * label-noise SGD of Blanc et al. 2020 / Damian et al. 2021, whose implicit regulariser on the
 * zero-loss manifold is Tr ∇²L; the paper's Section 4 mechanism, where the noise comes from the
 * sampled masked token). The last {@code noiseFreeTail} steps drop the noise, so the run ends
 * on (near) the zero-loss manifold, where the trace is comparable with the constructions'.
 */
public final class SgdTrajectory {
    /** Settings of one run. */
    public record Options(int width, double initScale, double lr, int batch, int steps, int evalEvery,
                          double labelNoise, int noiseFreeTail, int[] probeSamples, int probeSeeds, long seed) {
        public Options {
            if (width < 1) throw new IllegalArgumentException("width must be positive");
            if (batch < 1 || steps < 0 || evalEvery < 1 || noiseFreeTail < 0) {
                throw new IllegalArgumentException("bad batch/steps/evalEvery/noiseFreeTail");
            }
        }

        /** Whether step {@code step} (0-based) adds label noise: all but the last {@code noiseFreeTail} steps. */
        public boolean noisyAt(int step) { return labelNoise > 0 && step < steps - noiseFreeTail; }
    }

    /** One evaluation along the trajectory. */
    public record Point(int step, double loss, double trace, double traceGaussNewton, double[] traceBlocks,
                        double[] downstream, double minAbsPreactivation, double meanAttentionEntropyGap) {}

    /** The run: its label, options, points and the final model. */
    public record Run(String label, Options options, List<Point> points, OneLayerModel finalModel) {
        public Point last() { return points.get(points.size() - 1); }
    }

    private SgdTrajectory() {}

    public static Run run(String label, int n, flatlm.lang.dyck.Dyck.Support support, Options o) {
        List<Input> inputs = DyckInputs.mlm(n, support);
        List<int[]> sentences = DyckInputs.sentences(n, support);
        MlmObjective objective = new MlmObjective(inputs);
        SplittableRandom rng = new SplittableRandom(o.seed());
        OneLayerModel model = OneLayerModel.random(n, o.width(), o.initScale(), rng.split());
        SplittableRandom data = rng.split();
        long probeSeed = rng.nextLong();
        double[] theta = model.params();
        double[] grad = new double[theta.length];
        OneLayerModel.Work ws = model.work();
        List<Point> points = new ArrayList<>();
        double scale = 1.0 / o.batch();
        for (int step = 0; step <= o.steps(); step++) {
            if (step % o.evalEvery() == 0 || step == o.steps()) {
                points.add(evaluate(step, model, objective, o, probeSeed));
            }
            if (step == o.steps()) break;
            java.util.Arrays.fill(grad, 0);
            for (int b = 0; b < o.batch(); b++) {
                Input x = DyckInputs.sampleMlm(sentences, data);
                double y = x.y() + (o.noisyAt(step) ? o.labelNoise() * data.nextGaussian() : 0);
                double r = model.forward(x, ws) - y;
                model.addGradient(ws, scale * r, grad);
            }
            for (int i = 0; i < theta.length; i++) theta[i] -= o.lr() * grad[i];
            if (!Double.isFinite(theta[0]) || !Double.isFinite(theta[theta.length - 1])) {
                throw new IllegalStateException("SGD diverged at step " + step + " (lr " + o.lr() + " too large?)");
            }
        }
        return new Run(label, o, points, model);
    }

    static Point evaluate(int step, OneLayerModel model, MlmObjective objective, Options o, long probeSeed) {
        double loss = objective.loss(model);
        MlmObjective.Trace tr = objective.trace(model);
        double[] down = new double[o.probeSamples().length];
        if (down.length > 0) {
            DownstreamProbe probe = new DownstreamProbe(model);
            DownstreamProbe.Stat[] st = probe.curve(o.probeSamples(), o.probeSeeds(), new SplittableRandom(probeSeed));
            for (int i = 0; i < down.length; i++) down[i] = st[i].mean();
        }
        // how far the attention is from uniform: log n − H(α), averaged over the MLM inputs
        OneLayerModel.Work ws = model.work();
        double gap = 0;
        int n = model.n();
        for (Input x : objective.inputs()) {
            model.forward(x, ws);
            double h = 0;
            for (double a : model.attention(ws)) if (a > 0) h -= a * Math.log(a);
            gap += Math.log(n) - h;
        }
        gap /= objective.inputs().size();
        return new Point(step, loss, tr.total(), tr.gaussNewton(), tr.perBlock(), down,
            objective.minAbsPreactivation(model), gap);
    }
}
