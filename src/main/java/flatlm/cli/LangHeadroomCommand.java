package flatlm.cli;

import flatlm.eval.Headroom;
import flatlm.eval.LanguageCheck;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.Torch;
import flatlm.stats.Summary;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code flatlm lang headroom}: room between trivial features and the Bayes ceiling, before spending compute. */
@Command(name = "headroom", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Can a downstream task show differences between pre-trained models? For each probe training size: "
        + "the Bayes ceiling on the test examples, the lookup-table probe (the linear probe on the exact conditionals: a "
        + "model with perfect pre-training loss), the same probe on the final hidden states of a freshly initialised "
        + "transformer, and the gaps Bayes - lookup and Bayes - random init in accuracy points. Training sets are nested "
        + "(each seed's split is drawn at the largest size, smaller sizes are its prefixes; one test set for all sizes). "
        + "A few points between the lookup table and Bayes leave no room for pre-trained models to differ.",
        "Example: flatlm lang headroom --lang hmm --states 8 --words 16 --blocks 2 --length 8 --alpha 0.1 --task hmm:6"})
public final class LangHeadroomCommand implements Callable<Integer> {
    @Mixin
    LanguageOptions languageOptions;

    @Option(names = "--task", required = true, split = ",", paramLabel = "TASK",
        description = "Downstream task(s), repeatable or a comma list: hmm:K, pcfg:A, pcfg:B, pcfg:C, dyck.")
    List<String> tasks;

    @Option(names = "--sizes", defaultValue = "32,128,512,2048", split = ",", paramLabel = "N,...",
        description = "Probe training sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Setting("probe.test")
    @Option(names = "--test",
        description = "Test examples per seed (default: ${DEFAULT-VALUE}).")
    int test;

    @Option(names = "--seeds", defaultValue = "3", description = "Repetitions (split, projection, head initialisation) (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Setting("probe.seed")
    @Option(names = "--seed", description = "Base seed: repetition i uses seed + i (default: ${DEFAULT-VALUE}).")
    long seed;

    @Setting("train.model.preset")
    @Option(names = "--model", paramLabel = "PRESET",
        description = "Model preset of the random-initialisation probe, or 'none' to skip it (default: ${DEFAULT-VALUE}).")
    String model;

    @Setting("train.seed")
    @Option(names = "--model-seed", description = "Seed of the random initialisation (default: ${DEFAULT-VALUE}).")
    long modelSeed;

    @Mixin
    ProbeSolverOptions solver;

    @Setting("train.threads")
    @Option(names = "--threads", description = "Threads (libtorch and the exact conditionals) (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print the result as one JSON line (instead of the table).")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the JSON result to FILE.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Headroom.Setup setup = new Headroom.Setup(sizes, test, seeds, seed, solver.project, solver.options(),
            "none".equals(model) ? null : model, modelSeed, threads);
        Language language = languageOptions.build();
        List<DownstreamTask> ts = new ArrayList<>();
        for (String t : tasks) {
            String name = t.strip();
            if (name.isEmpty()) throw new BadInputException("--task: empty task name");
            DownstreamTask task = LanguageCheck.task(language, name, "this language");
            if (ts.stream().noneMatch(x -> x.name().equals(task.name()))) ts.add(task);
        }
        Torch.setThreads(threads);
        long work = Math.max(1, Headroom.work(language, ts, setup));
        Headroom.Result r = CheckpointEvalCommand.withBar("headroom", work, " fits",
            bar -> Headroom.measure(language, ts, setup, bar::step));
        Map<String, Object> jsonOut = new LinkedHashMap<>();
        jsonOut.put("language", Configs.toTree(languageOptions.spec()));
        jsonOut.put("kind", language.kind());
        jsonOut.putAll(r.toJson());
        if (out != null) CheckpointEvalCommand.writeJson(out, jsonOut);
        if (json) {
            System.out.println(Configs.toJsonLine(jsonOut));
            return 0;
        }
        printTable(language, r);
        if (out != null) System.out.printf("result     %s%n", out);
        return 0;
    }

    private void printTable(Language language, Headroom.Result r) {
        Headroom.Setup s = r.setup();
        System.out.printf("headroom of the %s language (vocabulary %d, max length %d)%n", language.kind(),
            language.vocabulary().size(), language.maxLength());
        System.out.printf("protocol   %d test examples, %d seed%s from %d, nested training sets %s; probe %s, weight decay %s%s%n",
            s.test(), s.seeds(), s.seeds() == 1 ? "" : "s", s.seed(), s.sizes(), s.options().solver().id(),
            s.options().weightDecay(), s.project() > 0 ? ", projected to " + s.project() : "");
        System.out.printf("random     %s%n", s.random() ? "freshly initialised '" + s.modelPreset() + "' transformer, model seed "
            + s.modelSeed() : "skipped (--model none)");
        System.out.println();
        System.out.printf("%-8s %6s  %-8s  %-17s  %-17s  %12s  %12s  %9s  %9s%n", "task", "train", "Bayes", "lookup",
            "random init", "Bayes-lookup", "Bayes-random", "lookup CE", "random CE");
        for (Headroom.TaskResult t : r.tasks()) {
            for (Headroom.Row row : t.rows()) {
                System.out.printf("%-8s %6d  %-8s  %-17s  %-17s  %12s  %12s  %9s  %9s%n", t.task(), row.size(),
                    fmt(row.bayesAccuracy().mean()), pm(row.lookupAccuracy()), pm(row.randomAccuracy()),
                    points(row.lookupGap()), points(row.randomGap()), fmt(row.lookupCrossEntropy().mean()),
                    fmt(row.randomCrossEntropy().mean()));
            }
        }
        System.out.println("(accuracies mean ± std over seeds; gaps in accuracy points; CE: the probe's test cross-entropy, nats)");
        for (Headroom.TaskResult t : r.tasks()) {
            if (t.lookupNote() != null) System.out.printf("note %s: lookup n/a: %s%n", t.task(), t.lookupNote());
        }
        for (Headroom.TaskResult t : r.tasks()) System.out.printf("verdict %s: %s%n", t.task(), t.verdict());
        System.out.printf("time       %.1f s%n", r.seconds());
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format("%.4f", v) : "n/a";
    }

    private static String pm(Summary s) {
        return s.n() == 0 || !Double.isFinite(s.mean()) ? "n/a" : s.toString();
    }

    private static String points(double v) {
        return Double.isFinite(v) ? String.format("%.1f", v) : "n/a";
    }
}
