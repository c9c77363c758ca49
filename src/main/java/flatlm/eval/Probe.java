package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The linear-probe protocol (paper Section 3 and App. A; SPEC.md section 4), repeated over
 * seeds. For each seed: draw a train/test split ({@link DownstreamSplit}), extract features
 * (a frozen model's concatenated hidden states, or the lookup table's exact conditionals),
 * optionally project them with a Gaussian random matrix to {@code project} dimensions
 * (entries N(0, 1/project)), standardise every feature with the mean and standard deviation of
 * the train split (constant features are only centred), fit the head ({@link LinearProbe}) and
 * measure test accuracy. The seed changes the split, the projection and AdamW's initialisation
 * and batch order; the same seeds give the same splits whatever the features, so checkpoints
 * (and the lookup table) are compared on the same examples.
 */
public final class Probe {
    /**
     * Protocol settings: split sizes, number of seeds, base seed (seed i = base + i), random
     * projection dimension (0 = none). {@link #defaults} is the one declaration of their defaults
     * (read by the CLI and by a plan's {@code measure}); errors name the keys {@code probe.*}.
     */
    public record Setup(int train, int test, int seeds, long seed, int project) {
        public Setup {
            if (train < 1) throw new BadInputException("probe.train must be at least 1, got " + train);
            if (test < 1) throw new BadInputException("probe.test must be at least 1, got " + test);
            if (seeds < 1) throw new BadInputException("probe.seeds must be at least 1, got " + seeds);
            if (project < 0) throw new BadInputException("probe.project must be >= 0 (0 = no projection), got " + project);
        }

        /** 2,000 train / 1,000 test examples, 5 seeds from seed 1, no projection. */
        public static Setup defaults() {
            return new Setup(DownstreamSplit.DEFAULT_TRAIN, DownstreamSplit.DEFAULT_TEST, 5, 1, 0);
        }

        public long seedOf(int index) {
            return EvalSeeds.repetition(seed, index);
        }
    }

    private Probe() {}

    /** The splits of every seed of {@code setup}. */
    public static List<DownstreamSplit> splits(DownstreamTask task, Setup setup) {
        List<DownstreamSplit> out = new ArrayList<>(setup.seeds());
        for (int i = 0; i < setup.seeds(); i++) out.add(DownstreamSplit.draw(task, setup.train(), setup.test(), setup.seedOf(i)));
        return out;
    }

    /** Linear probe of a frozen model on {@code task} of {@code language}. */
    public static DownstreamResult probe(MlmModel model, Language language, DownstreamTask task, Setup setup,
                                         LinearProbe.Options options, Runnable tick) {
        return run("probe", new ModelFeatures(model, language.maxLength()), language, task, splits(task, setup), setup, options, tick);
    }

    /** The lookup-table baseline: the same probe on the exact conditionals (no model). */
    public static DownstreamResult lookup(Language language, DownstreamTask task, Setup setup,
                                          LinearProbe.Options options, int threads, Runnable tick) {
        return lookup(language, task, setup, options, threads, -1, tick);
    }

    /** The lookup table's masked read at word {@code position} ({@link LookupTable}; −1 = every position). */
    public static DownstreamResult lookup(Language language, DownstreamTask task, Setup setup,
                                          LinearProbe.Options options, int threads, int position, Runnable tick) {
        requireLookupDefined(language);
        return run("lookup", new LookupTable(language, threads, position), language, task, splits(task, setup), setup, options, tick);
    }

    /** Fails for a language whose task inputs have no exact conditionals (Dyck: i.i.d. brackets). */
    public static void requireLookupDefined(Language language) {
        if ("dyck".equals(language.kind())) {
            throw new BadInputException("lookup table: undefined for dyck: the task's inputs are i.i.d. brackets, mostly "
                + "outside the language's support, where the exact conditionals p*(.|x_-i) do not exist");
        }
    }

    /**
     * The protocol on given splits (one per seed, e.g. shared by every checkpoint of a run).
     * {@code language} (nullable) gives the Bayes ceiling on each test split; {@code tick}
     * (nullable) is called after each seed.
     */
    public static DownstreamResult run(String method, FeatureExtractor features, Language language, DownstreamTask task,
                                       List<DownstreamSplit> splits, Setup setup, LinearProbe.Options options, Runnable tick) {
        long t0 = System.nanoTime();
        List<DownstreamResult.SeedResult> seeds = new ArrayList<>();
        for (DownstreamSplit split : splits) {
            seeds.add(runSeed(features, split, setup.project(), options, BayesCeiling.onTest(language, task, split)));
            if (tick != null) tick.run();
        }
        Map<String, Object> settings = settings(features, setup, options);
        return new DownstreamResult(method, task.name(), task.numClasses(), seeds, settings, (System.nanoTime() - t0) / 1e9);
    }

    private static Map<String, Object> settings(FeatureExtractor features, Setup setup, LinearProbe.Options options) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("features", features.kind());
        settings.putAll(features.settings());
        settings.put("dimension", features.dimension());
        settings.put("project", setup.project());
        settings.put("solver", options.solver().id());
        settings.put("weight_decay", options.weightDecay());
        if (options.solver() == LinearProbe.Solver.ADAMW) {
            settings.put("lr", options.lr());
            settings.put("epochs", options.epochs());
            settings.put("batch_size", options.batchSize());
        } else {
            settings.put("max_iterations", options.maxIterations());
        }
        settings.put("train", setup.train());
        settings.put("test", setup.test());
        settings.put("base_seed", setup.seed());
        return settings;
    }

    /** One seed of the protocol on one split. */
    public static DownstreamResult.SeedResult runSeed(FeatureExtractor features, DownstreamSplit split, int project,
                                                      LinearProbe.Options options, double bayes) {
        FeatureMatrix[] x = projected(features, split, project);
        return fitAndEvaluate(x[0], x[1], split, options, bayes);
    }

    /**
     * A learning curve: the protocol at several training-set sizes on nested training sets. Each
     * split (one per seed, drawn at the largest size) has its features extracted once; size n
     * uses the first n training examples and the whole test set, so every size is scored on the
     * same test examples. Returns size → result, in the order of {@code sizes}.
     */
    public static Map<Integer, DownstreamResult> curve(String method, FeatureExtractor features, Language language,
                                                       DownstreamTask task, List<DownstreamSplit> splits, int[] sizes,
                                                       Setup setup, LinearProbe.Options options, Runnable tick) {
        for (int n : sizes) for (DownstreamSplit sp : splits)
            if (n < 1 || n > sp.trainWords().length)
                throw new BadInputException("probe training size " + n + " outside 1.." + sp.trainWords().length);
        long t0 = System.nanoTime();
        Map<Integer, List<DownstreamResult.SeedResult>> per = new LinkedHashMap<>();
        for (int n : sizes) per.put(n, new ArrayList<>());
        for (DownstreamSplit split : splits) {
            FeatureMatrix[] x = projected(features, split, setup.project());
            double bayes = BayesCeiling.onTest(language, task, split);
            for (int n : sizes) per.get(n).add(fitAndEvaluate(x[0].firstRows(n), x[1], split.withTrainPrefix(n), options, bayes));
            if (tick != null) tick.run();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<Integer, DownstreamResult> out = new LinkedHashMap<>();
        for (int n : sizes) {
            Map<String, Object> settings = settings(features, setup, options);
            settings.put("train", n);
            out.put(n, new DownstreamResult(method, task.name(), task.numClasses(), per.get(n), settings, seconds));
        }
        return out;
    }

    /** Train and test features of a split, projected when {@code project > 0}. */
    private static FeatureMatrix[] projected(FeatureExtractor features, DownstreamSplit split, int project) {
        FeatureMatrix train = features.extract(split.trainWords());
        FeatureMatrix test = features.extract(split.testWords());
        if (project > 0) {
            double[] r = gaussianProjection(features.dimension(), project, EvalSeeds.rng(split.seed(), EvalSeeds.PROJECTION));
            train = project(train, r, project);
            test = project(test, r, project);
        }
        return new FeatureMatrix[] {train, test};
    }

    /** Standardise with the train split's statistics, fit the head, score both splits. */
    private static DownstreamResult.SeedResult fitAndEvaluate(FeatureMatrix train, FeatureMatrix test, DownstreamSplit split,
                                                              LinearProbe.Options options, double bayes) {
        Standardizer st = Standardizer.fit(train);
        train = st.apply(train);
        test = st.apply(test);
        SplittableRandom init = EvalSeeds.rng(split.seed(), EvalSeeds.INIT);
        LinearProbe.Fit fit = LinearProbe.fit(train, split.trainLabels(), split.numClasses(), options, init);
        LinearProbe.Evaluation te = LinearProbe.evaluate(fit, test, split.testLabels());
        LinearProbe.Evaluation tr = LinearProbe.evaluate(fit, train, split.trainLabels());
        return new DownstreamResult.SeedResult(split.seed(), te.accuracy(), te.mse(), te.crossEntropy(), tr.accuracy(), fit.objective(),
            fit.iterations(), fit.converged(), bayes);
    }

    /** A {@code [dim, k]} row-major Gaussian matrix with entries N(0, 1/k). */
    public static double[] gaussianProjection(int dim, int k, RandomGenerator rng) {
        double[] r = new double[Math.multiplyExact(dim, k)];
        double scale = 1.0 / Math.sqrt(k);
        for (int i = 0; i < r.length; i++) r[i] = rng.nextGaussian() * scale;
        return r;
    }

    /** {@code x · r} with {@code r} a {@code [x.cols, k]} row-major matrix. */
    public static FeatureMatrix project(FeatureMatrix x, double[] r, int k) {
        if ((long) x.cols() * k != r.length) throw new IllegalArgumentException("projection shape mismatch");
        if (x.rows() == 0) return FeatureMatrix.zeros(0, k);
        try (PointerScope scope = new PointerScope()) {
            var xt = Torch.floatingTensor(x.data(), torch.ScalarType.Double, x.rows(), x.cols());
            var rt = Torch.floatingTensor(r, torch.ScalarType.Double, x.cols(), k);
            return new FeatureMatrix(Torch.toDoubles(xt.matmul(rt)), x.rows(), k);
        }
    }

    /** Per-feature standardisation with statistics of a training matrix. */
    public record Standardizer(double[] mean, double[] scale) {
        public static Standardizer fit(FeatureMatrix x) {
            int n = x.rows(), d = x.cols();
            double[] mean = new double[d], var = new double[d];
            double[] a = x.data();
            for (int r = 0; r < n; r++) for (int c = 0; c < d; c++) mean[c] += a[r * d + c];
            for (int c = 0; c < d; c++) mean[c] /= Math.max(n, 1);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    double v = a[r * d + c] - mean[c];
                    var[c] += v * v;
                }
            }
            double[] scale = new double[d];
            for (int c = 0; c < d; c++) {
                double sd = Math.sqrt(var[c] / Math.max(n, 1));
                scale[c] = sd > 1e-12 * Math.max(1.0, Math.abs(mean[c])) ? 1.0 / sd : 1.0;
            }
            return new Standardizer(mean, scale);
        }

        public FeatureMatrix apply(FeatureMatrix x) {
            int n = x.rows(), d = x.cols();
            if (d != mean.length) throw new IllegalArgumentException("standardizer of " + mean.length + " features applied to " + d);
            double[] a = x.data(), out = new double[a.length];
            for (int r = 0; r < n; r++) for (int c = 0; c < d; c++) out[r * d + c] = (a[r * d + c] - mean[c]) * scale[c];
            return new FeatureMatrix(out, n, d);
        }
    }
}
