package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.stats.Summary;
import flatlm.util.BadInputException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The headroom of a downstream task (issue 13): can it show differences between pre-trained
 * models at all? For each probe training size it measures, on the same test examples,
 * <ul>
 * <li>the Bayes ceiling ({@link BayesCeiling}: what no probe can beat),</li>
 * <li>the lookup-table probe ({@link Probe#lookup}: the probe on the concatenated exact
 *     conditionals, what a model with perfect pre-training loss offers),</li>
 * <li>the random-initialisation probe: the same probe on the final hidden states of a freshly
 *     initialised transformer (what no pre-training at all offers),</li>
 * </ul>
 * and the gaps Bayes − lookup and Bayes − random init in accuracy points. A gap of a few points
 * between the lookup table and Bayes leaves no room for pre-trained models to differ.
 *
 * <p>The training sets are nested: each seed's split is drawn once at the largest size
 * ({@link Probe#splits} with {@code train = max(sizes)}, the same splits as {@code flatlm lookup
 * --train max}) and smaller sizes take its prefixes ({@link DownstreamSplit#withTrainPrefix}), so
 * every size shares one test set and a larger size sees every example a smaller one does. Each
 * method's learning curve is {@link Probe#curve}, the one the reproduction uses: features
 * extracted once per seed, each size standardised with its prefix's statistics.
 */
public final class Headroom {
    /** A useful comparison of pre-trained models needs at least this many points between the lookup table and Bayes. */
    public static final double USEFUL_POINTS = 5.0;

    /**
     * Settings: probe training sizes (sorted, distinct), test examples, seeds from base
     * {@code seed} (seed i = {@link Probe.Setup#seedOf}), random projection ({@code project},
     * 0 = none), the probe's solver options, the model preset of the random-initialisation
     * probe ({@code null} = skip it) and its parameter seed, and threads for the exact
     * conditionals.
     */
    public record Setup(List<Integer> sizes, int test, int seeds, long seed, int project, LinearProbe.Options options,
                        String modelPreset, long modelSeed, int threads) {
        public Setup {
            if (sizes == null || sizes.isEmpty()) throw new BadInputException("--sizes needs at least one training size");
            for (Integer n : sizes) {
                if (n == null || n < 1) throw new BadInputException("--sizes must all be at least 1, got " + n);
            }
            List<Integer> rows = List.copyOf(new java.util.TreeSet<>(sizes)); // the table's rows: increasing, each once
            if (!rows.equals(sizes)) flatlm.util.Warnings.warn("--sizes " + sizes + " read as " + rows + " (increasing, each size once)");
            sizes = rows;
            if (test < 1) throw new BadInputException("--test must be at least 1, got " + test);
            if (seeds < 1) throw new BadInputException("--seeds must be at least 1, got " + seeds);
            if (project < 0) throw new BadInputException("--project must be >= 0 (0 = no projection), got " + project);
            if (threads < 1) throw new BadInputException("--threads must be >= 1, got " + threads);
            if (options == null) options = LinearProbe.Options.defaults();
            if (modelPreset != null && !ModelConfig.presets().containsKey(modelPreset)) {
                throw new BadInputException("unknown model preset '" + modelPreset + "' (known: "
                    + String.join(", ", ModelConfig.presets().keySet()) + ")");
            }
        }

        /** Sizes 32, 128, 512, 2048; 1,000 test examples; 3 seeds from 1; default probe; the small preset, model seed 1. */
        public static Setup defaults() {
            return new Setup(List.of(32, 128, 512, 2048), DownstreamSplit.DEFAULT_TEST, 3, 1, 0,
                LinearProbe.Options.defaults(), "small", 1, 1);
        }

        public int largest() {
            return sizes.get(sizes.size() - 1);
        }

        /** The split setup at the largest size (what draws every seed's split). */
        public Probe.Setup splitSetup() {
            return new Probe.Setup(largest(), test, seeds, seed, project);
        }

        public boolean random() {
            return modelPreset != null;
        }
    }

    /**
     * One training size of one task: the Bayes ceiling of every seed's test split and the
     * lookup-table and random-initialisation probes of every seed (empty lists when not run:
     * the lookup table is undefined for Dyck, the random probe can be switched off).
     */
    public record Row(String task, int size, double[] bayes, List<DownstreamResult.SeedResult> lookup,
                      List<DownstreamResult.SeedResult> random) {
        public Row {
            bayes = bayes.clone();
            lookup = List.copyOf(lookup);
            random = List.copyOf(random);
        }

        /** The Bayes ceiling's mean ± std over seeds (NaN when unknown, e.g. regression). */
        public Summary bayesAccuracy() {
            for (double v : bayes) if (Double.isNaN(v)) return Summary.EMPTY;
            return Summary.of(bayes);
        }

        public Summary lookupAccuracy() {
            return summary(lookup, DownstreamResult.SeedResult::accuracy);
        }

        public Summary lookupCrossEntropy() {
            return summary(lookup, DownstreamResult.SeedResult::crossEntropy);
        }

        public Summary randomAccuracy() {
            return summary(random, DownstreamResult.SeedResult::accuracy);
        }

        public Summary randomCrossEntropy() {
            return summary(random, DownstreamResult.SeedResult::crossEntropy);
        }

        /** Bayes − lookup in accuracy points (mean over seeds; NaN when either is unknown). */
        public double lookupGap() {
            return 100 * (bayesAccuracy().mean() - lookupAccuracy().mean());
        }

        /** Bayes − random init in accuracy points. */
        public double randomGap() {
            return 100 * (bayesAccuracy().mean() - randomAccuracy().mean());
        }

        private static Summary summary(List<DownstreamResult.SeedResult> seeds,
                                                        java.util.function.ToDoubleFunction<DownstreamResult.SeedResult> f) {
            if (seeds.isEmpty()) return Summary.EMPTY;
            return Summary.of(seeds.stream().mapToDouble(f).toArray());
        }
    }

    /**
     * One task: its rows (one per size, ascending), and why the lookup column is empty
     * ({@code lookupNote}, null when it was run).
     */
    public record TaskResult(String task, int numClasses, List<Row> rows, String lookupNote, double seconds) {
        public TaskResult {
            rows = List.copyOf(rows);
        }

        public Row largest() {
            return rows.get(rows.size() - 1);
        }

        /** "headroom at N examples: X points between the lookup table and Bayes (≥ 5 needed ...)", at the largest size. */
        public String verdict() {
            Row r = largest();
            if (lookupNote != null) {
                return String.format("headroom at %d examples: n/a (%s)", r.size(), lookupNote);
            }
            double gap = r.lookupGap();
            if (Double.isNaN(gap)) return String.format("headroom at %d examples: n/a (no Bayes ceiling for this task)", r.size());
            return String.format("headroom at %d examples: %.1f points between the lookup table and Bayes (≥ %.0f needed for a "
                + "useful comparison)%s", r.size(), gap, USEFUL_POINTS, gap >= USEFUL_POINTS ? ": enough" : ": too little");
        }
    }

    /** Every task's result. */
    public record Result(List<TaskResult> tasks, Setup setup, double seconds) {
        public Result {
            tasks = List.copyOf(tasks);
        }

        /** A JSON-ready map (snake_case; unknown values as null). */
        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("sizes", setup.sizes());
            out.put("test", setup.test());
            out.put("seeds", setup.seeds());
            out.put("base_seed", setup.seed());
            out.put("project", setup.project());
            out.put("solver", setup.options().solver().id());
            out.put("weight_decay", setup.options().weightDecay());
            out.put("model", setup.modelPreset());
            out.put("model_seed", setup.modelSeed());
            out.put("useful_points", USEFUL_POINTS);
            List<Map<String, Object>> ts = new ArrayList<>();
            for (TaskResult t : tasks) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("task", t.task());
                m.put("classes", t.numClasses());
                m.put("lookup_note", t.lookupNote());
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Row r : t.rows()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("size", r.size());
                    put(row, "bayes", r.bayesAccuracy());
                    put(row, "lookup", r.lookupAccuracy());
                    put(row, "lookup_cross_entropy", r.lookupCrossEntropy());
                    put(row, "random", r.randomAccuracy());
                    put(row, "random_cross_entropy", r.randomCrossEntropy());
                    row.put("bayes_minus_lookup", num(r.lookupGap()));
                    row.put("bayes_minus_random", num(r.randomGap()));
                    row.put("bayes_seeds", java.util.Arrays.stream(r.bayes()).mapToObj(Headroom::num).toList());
                    row.put("lookup_seeds", r.lookup().stream().map(s -> num(s.accuracy())).toList());
                    row.put("random_seeds", r.random().stream().map(s -> num(s.accuracy())).toList());
                    rows.add(row);
                }
                m.put("rows", rows);
                m.put("verdict", t.verdict());
                m.put("seconds", t.seconds());
                ts.add(m);
            }
            out.put("tasks", ts);
            out.put("seconds", seconds);
            return out;
        }

        private static void put(Map<String, Object> row, String key, Summary s) {
            row.put(key + "_mean", num(s.mean()));
            row.put(key + "_std", num(s.std()));
        }
    }

    private static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private Headroom() {}

    /** Whether the lookup table is defined for {@code language} (null) or why not. */
    public static String lookupUndefined(Language language) {
        try {
            Probe.requireLookupDefined(language);
            return null;
        } catch (BadInputException e) {
            return e.getMessage();
        }
    }

    /** Steps of {@link #measure} for a progress bar ({@code tick} is called after each seed's curve of each method). */
    public static long work(Language language, List<DownstreamTask> tasks, Setup setup) {
        int methods = (lookupUndefined(language) == null ? 1 : 0) + (setup.random() ? 1 : 0);
        return (long) tasks.size() * setup.seeds() * methods;
    }

    /** The splits of every seed, drawn at the largest size. */
    public static List<DownstreamSplit> splits(DownstreamTask task, Setup setup) {
        return Probe.splits(task, setup.splitSetup());
    }

    /** The freshly initialised transformer of the random-initialisation probe. */
    public static MlmModel randomModel(Language language, Setup setup) {
        return new MlmTransformer(ModelConfig.preset(setup.modelPreset(), language.vocabulary().size(), language.maxLength()),
            setup.modelSeed());
    }

    /** Measures every task; {@code tick} (nullable) is called after each seed's learning curve of each method. */
    public static Result measure(Language language, List<DownstreamTask> tasks, Setup setup, Runnable tick) {
        long t0 = System.nanoTime();
        String undefined = lookupUndefined(language);
        FeatureExtractor lookup = undefined == null ? new LookupTable(language, setup.threads()) : null;
        FeatureExtractor random = setup.random() ? new ModelFeatures(randomModel(language, setup), language.maxLength()) : null;
        List<TaskResult> out = new ArrayList<>();
        for (DownstreamTask task : tasks) out.add(measureTask(language, task, setup, lookup, random, undefined, tick));
        return new Result(out, setup, (System.nanoTime() - t0) / 1e9);
    }

    private static TaskResult measureTask(Language language, DownstreamTask task, Setup setup, FeatureExtractor lookup,
                                          FeatureExtractor random, String undefined, Runnable tick) {
        long t0 = System.nanoTime();
        List<DownstreamSplit> splits = splits(task, setup);
        int[] sizes = setup.sizes().stream().mapToInt(Integer::intValue).toArray();
        Map<Integer, DownstreamResult> lk = lookup == null ? Map.of()
            : Probe.curve("lookup", lookup, language, task, splits, sizes, setup.splitSetup(), setup.options(), tick);
        Map<Integer, DownstreamResult> rd = random == null ? Map.of()
            : Probe.curve("probe", random, language, task, splits, sizes, setup.splitSetup(), setup.options(), tick);
        double[] bayes = new double[splits.size()];
        for (int i = 0; i < splits.size(); i++) bayes[i] = BayesCeiling.onTest(language, task, splits.get(i));
        List<Row> rows = new ArrayList<>();
        for (int n : sizes) {
            rows.add(new Row(task.name(), n, bayes, lk.containsKey(n) ? lk.get(n).seeds() : List.of(),
                rd.containsKey(n) ? rd.get(n).seeds() : List.of()));
        }
        return new TaskResult(task.name(), task.numClasses(), rows, undefined, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Bayes − lookup in accuracy points on {@code task} with {@code train} training and
     * {@code test} test examples, {@code seeds} seeds from 1, the default probe (no random
     * initialisation probe): the cheap check behind a warning that a task leaves no room.
     * Throws {@link BadInputException} where the lookup table is undefined (Dyck); NaN when the
     * task has no Bayes ceiling.
     */
    public static double lookupGap(Language language, DownstreamTask task, int train, int test, int seeds) {
        Probe.requireLookupDefined(language);
        Setup setup = new Setup(List.of(train), test, seeds, 1, 0, LinearProbe.Options.defaults(), null, 1, 1);
        return measure(language, List.of(task), setup, null).tasks().get(0).largest().lookupGap();
    }
}
