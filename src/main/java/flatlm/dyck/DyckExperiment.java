package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;
import flatlm.lang.dyck.Dyck.Support;
import flatlm.util.BadInputException;
import flatlm.util.Warnings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Experiment 4 of SPEC.md (paper Section 6): on the Dyck language and the one-layer transformer,
 * the zero-MLM-loss solutions (transferable constructions, random-feature solutions of several
 * widths, the end points of SGD) with their exact MLM loss, exact Tr ∇²L and downstream
 * sample-complexity curves, plus SGD trajectories (with and without label noise). {@link #run}
 * computes it and writes the report section {@code dyck.md}, {@code dyck.json}, CSVs and plots.
 */
public final class DyckExperiment {
    /** Settings. {@link #defaults()} runs in well under a minute on one core for n = 8. */
    public record Options(int n, Support support, int[] widths, int[] samples, int probeSeeds, long seed,
                          int sgdWidth, double sgdInitScale, double sgdLr, int sgdBatch, int sgdSteps,
                          int sgdEvalEvery, double labelNoise, int noiseFreeTail, int[] sgdProbeSamples,
                          int denseCheckMaxParams, boolean plots) {
        public Options {
            DyckInputs.checkN(n);
            if (n > MAX_N) {
                throw new BadInputException("dyck: the experiment enumerates the 2^n downstream strings' Gram matrix; n must be <= "
                    + MAX_N + ", got " + n);
            }
            if (support == null) throw new BadInputException("dyck: support must be given");
            widths = widths.clone();
            samples = samples.clone();
            sgdProbeSamples = sgdProbeSamples.clone();
            for (int w : widths) if (w < 1) throw new BadInputException("dyck: random-feature widths must be positive, got " + w);
            if (samples.length == 0) throw new BadInputException("dyck: give at least one downstream sample size");
            for (int s : samples) if (s < 1) throw new BadInputException("dyck: downstream sample sizes must be positive, got " + s);
            for (int s : sgdProbeSamples) if (s < 1) throw new BadInputException("dyck: SGD probe sample sizes must be positive, got " + s);
            if (probeSeeds < 1) throw new BadInputException("dyck.probeSeeds must be at least 1, got " + probeSeeds);
            if (sgdSteps < 0) throw new BadInputException("dyck.sgdSteps must be >= 0, got " + sgdSteps);
            if (sgdSteps > 0) {
                if (sgdWidth < 1) throw new BadInputException("dyck.sgdWidth must be positive, got " + sgdWidth);
                if (!(sgdLr > 0) || !Double.isFinite(sgdLr)) throw new BadInputException("dyck.sgdLr must be positive, got " + sgdLr);
                if (sgdBatch < 1) throw new BadInputException("dyck.sgdBatch must be positive, got " + sgdBatch);
                if (sgdEvalEvery < 1) throw new BadInputException("dyck.sgdEvalEvery must be positive, got " + sgdEvalEvery);
                if (!(labelNoise >= 0) || !Double.isFinite(labelNoise)) throw new BadInputException("dyck.labelNoise must be >= 0, got " + labelNoise);
                if (noiseFreeTail < 0 || noiseFreeTail > sgdSteps) {
                    throw new BadInputException("dyck.noiseFreeTail must be between 0 and dyck.sgdSteps, got " + noiseFreeTail);
                }
                if (!(sgdInitScale > 0) || !Double.isFinite(sgdInitScale)) throw new BadInputException("dyck.sgdInitScale must be positive, got " + sgdInitScale);
            }
        }

        public static Options defaults() {
            return new Options(8, Support.EQUAL_COUNT, new int[]{640, 1024, 2048, 4096},
                new int[]{1, 2, 4, 8, 16, 32, 64, 128}, 20, 1,
                16, 1.0, 0.2, 32, 120_000, 2_000, 0.5, 20_000, new int[]{8, 32}, 1100, true);
        }

        public Options withN(int newN) {
            return new Options(newN, support, widths, samples, probeSeeds, seed, sgdWidth, sgdInitScale, sgdLr, sgdBatch,
                sgdSteps, sgdEvalEvery, labelNoise, noiseFreeTail, sgdProbeSamples, denseCheckMaxParams, plots);
        }

        public Options withWidths(int... w) {
            return new Options(n, support, w, samples, probeSeeds, seed, sgdWidth, sgdInitScale, sgdLr, sgdBatch,
                sgdSteps, sgdEvalEvery, labelNoise, noiseFreeTail, sgdProbeSamples, denseCheckMaxParams, plots);
        }

        public Options withSgd(int steps, int evalEvery, int tail) {
            return new Options(n, support, widths, samples, probeSeeds, seed, sgdWidth, sgdInitScale, sgdLr, sgdBatch,
                steps, evalEvery, labelNoise, tail, sgdProbeSamples, denseCheckMaxParams, plots);
        }

        public Options withPlots(boolean p) {
            return new Options(n, support, widths, samples, probeSeeds, seed, sgdWidth, sgdInitScale, sgdLr, sgdBatch,
                sgdSteps, sgdEvalEvery, labelNoise, noiseFreeTail, sgdProbeSamples, denseCheckMaxParams, p);
        }

        /** Plain map for JSON. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("n", n);
            m.put("support", support.id());
            m.put("widths", widths);
            m.put("samples", samples);
            m.put("probeSeeds", probeSeeds);
            m.put("seed", seed);
            m.put("sgdWidth", sgdWidth);
            m.put("sgdInitScale", sgdInitScale);
            m.put("sgdLr", sgdLr);
            m.put("sgdBatch", sgdBatch);
            m.put("sgdSteps", sgdSteps);
            m.put("sgdEvalEvery", sgdEvalEvery);
            m.put("labelNoise", labelNoise);
            m.put("noiseFreeTail", noiseFreeTail);
            m.put("sgdProbeSamples", sgdProbeSamples);
            m.put("denseCheckMaxParams", denseCheckMaxParams);
            return m;
        }
    }

    /** One zero-loss (or near-zero-loss) parameter configuration and what we measured on it. */
    public record Solution(String id, String label, String family, int width, int numParams, double loss,
                           double maxResidual, double trace, double traceGaussNewton, double[] traceBlocks,
                           double theoryTrace, String theoryNote, double minAbsPreactivation,
                           DownstreamProbe.Stat[] downstream, double denseTrace) {
        /** Mean downstream error at sample size N, NaN if N was not measured. */
        public double downstreamAt(int samples) {
            for (DownstreamProbe.Stat s : downstream) if (s.samples() == samples) return s.mean();
            return Double.NaN;
        }
    }

    /** Everything the experiment measured, and where it was written. */
    public record Result(Options options, int mlmInputs, int downstreamStrings, double traceBound,
                         double probPositive, double[] theoryDownstream, List<Solution> solutions,
                         List<SgdTrajectory.Run> sgd, Map<String, Path> files, double seconds) {
        public Solution solution(String id) {
            for (Solution s : solutions) if (s.id().equals(id)) return s;
            throw new IllegalArgumentException("no solution " + id);
        }
    }

    /** Largest n of the experiment (Gram matrix of all 2^n downstream strings). */
    public static final int MAX_N = 12;
    /** Most masked inputs for the random-feature construction (an eigendecomposition of their Gram matrix). */
    public static final int MAX_RF_INPUTS = 3000;

    /** Ids of the fixed rows. */
    public static final String TRANSFERABLE_PAPER = "transferable-paper";
    public static final String TRANSFERABLE_PAPER_BALANCED = "transferable-paper-balanced";
    public static final String TRANSFERABLE_FLATTEST = "transferable-flattest";
    public static final String SGD_PLAIN = "sgd";
    public static final String SGD_LABEL_NOISE = "sgd-label-noise";

    private DyckExperiment() {}

    /** Computes without writing anything. */
    public static Result compute(Options o) {
        long t0 = System.nanoTime();
        int n = o.n();
        List<Input> inputs = DyckInputs.mlm(n, o.support());
        MlmObjective objective = new MlmObjective(inputs);
        if (o.widths().length > 0 && inputs.size() > MAX_RF_INPUTS) {
            throw new BadInputException("dyck: random-feature solutions at n = " + n + " need the eigendecomposition of a "
                + inputs.size() + "×" + inputs.size() + " Gram matrix; use n <= 10 or --widths none");
        }
        SplittableRandom root = new SplittableRandom(o.seed());
        long probeSeed = root.nextLong();
        SplittableRandom featureRng = root.split();
        SplittableRandom sgdRng = root.split();
        List<Solution> rows = new ArrayList<>();

        double bound = Constructions.traceLowerBound(n);
        OneLayerModel paper = Constructions.transferablePaper(n);
        rows.add(measure(TRANSFERABLE_PAPER, "transferable, as in the paper's text (W_V = I, a = ±n)", "transferable",
            paper, objective, o, probeSeed, (double) n * n + n + 1.0 / ((double) n * n),
            "n² + n + 1/n² (closed form)"));
        rows.add(measure(TRANSFERABLE_PAPER_BALANCED, "transferable, W_V = I, rescaled to its flattest", "transferable",
            Constructions.rebalance(paper, inputs), objective, o, probeSeed, 3 * Math.cbrt(n),
            "3 n^{1/3}: h keeps the mask direction"));
        rows.add(measure(TRANSFERABLE_FLATTEST, "transferable, flattest (rank-one W_V, balanced)", "transferable",
            Constructions.transferableFlattest(n), objective, o, probeSeed, bound,
            "the bound 3 n^{-1/3} (Lemma D.1)"));
        for (int m : o.widths()) {
            Constructions.RandomFeatures rf = Constructions.randomFeatures(n, m, inputs, featureRng.split());
            if (!(rf.loss() < 1e-8)) {
                Warnings.warn(String.format(java.util.Locale.ROOT, "dyck: random features with m = %d do not fit the %d masked "
                    + "inputs (exact loss %.2e); they need m >= %d", m, inputs.size(), rf.loss(), inputs.size()));
            }
            rows.add(measure("random-features-" + m, "random features, m = " + m, "random-features",
                rf.model(), objective, o, probeSeed, Double.NaN, "> bound (not transferable)"));
            rows.add(measure("random-features-" + m + "-balanced", "random features, m = " + m + ", rescaled to its flattest",
                "random-features", Constructions.rebalance(rf.model(), inputs), objective, o, probeSeed, Double.NaN,
                "> bound (not transferable)"));
        }
        List<SgdTrajectory.Run> runs = new ArrayList<>();
        if (o.sgdSteps() > 0) {
            long runSeed = sgdRng.nextLong(); // the same initialisation and data for both runs
            SgdTrajectory.Options plain = new SgdTrajectory.Options(o.sgdWidth(), o.sgdInitScale(), o.sgdLr(), o.sgdBatch(),
                o.sgdSteps(), o.sgdEvalEvery(), 0, 0, o.sgdProbeSamples(), o.probeSeeds(), runSeed);
            runs.add(SgdTrajectory.run(SGD_PLAIN, n, o.support(), plain));
            if (o.labelNoise() > 0) {
                SgdTrajectory.Options noisy = new SgdTrajectory.Options(o.sgdWidth(), o.sgdInitScale(), o.sgdLr(), o.sgdBatch(),
                    o.sgdSteps(), o.sgdEvalEvery(), o.labelNoise(), o.noiseFreeTail(), o.sgdProbeSamples(), o.probeSeeds(), runSeed);
                runs.add(SgdTrajectory.run(SGD_LABEL_NOISE, n, o.support(), noisy));
            }
            for (SgdTrajectory.Run r : runs) {
                boolean noisy = r.label().equals(SGD_LABEL_NOISE);
                String label = noisy
                    ? String.format("SGD + label noise σ = %s (last %d steps without), end", fmt(o.labelNoise()), o.noiseFreeTail())
                    : "SGD, end of training";
                rows.add(measure(r.label(), label, "sgd", r.finalModel(), objective, o, probeSeed, Double.NaN,
                    noisy ? "→ bound (label-noise SGD minimises Tr H on the zero-loss manifold)" : "none (no noise at interpolation)"));
                rows.add(measure(r.label() + "-balanced", label + ", rescaled to its flattest", "sgd",
                    Constructions.rebalance(r.finalModel(), inputs), objective, o, probeSeed, Double.NaN,
                    "separates scale imbalance from the features"));
            }
        }
        double[] theory = new double[o.samples().length];
        for (int i = 0; i < theory.length; i++) theory[i] = DownstreamProbe.theoryTransferable(n, o.samples()[i]);
        return new Result(o, inputs.size(), 1 << n, bound, DyckInputs.probPositiveCount(n), theory, rows, runs,
            new LinkedHashMap<>(), (System.nanoTime() - t0) / 1e9);
    }

    static Solution measure(String id, String label, String family, OneLayerModel model, MlmObjective objective,
                            Options o, long probeSeed, double theoryTrace, String theoryNote) {
        MlmObjective.Trace tr = objective.trace(model);
        DownstreamProbe probe = new DownstreamProbe(model);
        DownstreamProbe.Stat[] curve = probe.curve(o.samples(), o.probeSeeds(), new SplittableRandom(probeSeed));
        double dense = Double.NaN;
        if (model.numParams() <= o.denseCheckMaxParams()) dense = denseTrace(objective, model);
        return new Solution(id, label, family, model.width(), model.numParams(), objective.loss(model),
            objective.maxAbsResidual(model), tr.total(), tr.gaussNewton(), tr.perBlock(), theoryTrace, theoryNote,
            objective.minAbsPreactivation(model), curve, dense);
    }

    /** Residuals below this are skipped by the dense cross-check (their term is below ~1e-12). */
    static final double DENSE_RESIDUAL_CUTOFF = 1e-12;

    /** Σ_i H_ii entry by entry ({@link MlmObjective#hessianDiagonal}), the cross-check of the closed-form trace. */
    static double denseTrace(MlmObjective objective, OneLayerModel model) {
        double s = 0;
        for (double d : objective.hessianDiagonal(model, DENSE_RESIDUAL_CUTOFF)) s += d;
        return s;
    }

    /** Computes and writes {@code dyck.md}, {@code dyck.json}, CSVs and (unless disabled) the plots into outDir. */
    public static Result run(Options o, Path outDir) throws IOException {
        Result r = compute(o);
        Files.createDirectories(outDir);
        Map<String, Path> files = r.files();
        if (o.plots()) files.putAll(DyckPlots.write(r, outDir));
        files.putAll(DyckData.write(r, outDir));
        files.put("report", DyckReport.writeMarkdown(r, outDir));
        return r;
    }

    static String fmt(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e6) return Long.toString((long) x);
        return Double.toString(x);
    }
}
