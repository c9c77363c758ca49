package flatlm.cli;

import flatlm.eval.Probe;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by {@code probe}, {@code lookup} and {@code finetune}: task, split, seeds, output. */
public final class DownstreamOptions {
    @Option(names = "--task", required = true, paramLabel = "TASK",
        description = "Downstream task: hmm:K (hidden state at 0-based position K, e.g. hmm:6), pcfg:A, pcfg:B, pcfg:C, dyck, "
            + "causal-lm:class, or file:PATH for any language: a user's labelled sentences, one JSON object per line "
            + "{\"words\": [...], \"label\": integer or string} (split without replacement, no Bayes ceiling).")
    String task;

    @Setting("probe.train")
    @Option(names = "--train",
        description = "Training examples per seed (default: ${DEFAULT-VALUE}; the paper: 100000).")
    int train;

    @Setting("probe.test")
    @Option(names = "--test",
        description = "Test examples per seed (default: ${DEFAULT-VALUE}).")
    int test;

    @Setting("probe.seeds")
    @Option(names = "--seeds",
        description = "Repetitions; each changes the split, the projection and the head's initialisation (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Setting("probe.seed")
    @Option(names = "--seed",
        description = "Base seed: repetition i uses seed + i; independent of pre-training's seeds (default: ${DEFAULT-VALUE}).")
    long seed;

    @Setting("train.threads")
    @Option(names = "--threads", description = "Threads (libtorch and, for lookup, the exact conditionals) (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print the result as one JSON line (instead of text).")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE",
        description = "Write the JSON result to FILE (with --checkpoints also FILE's .csv table; default there: RUN_DIR/downstream/METHOD-TASK.json).")
    Path out;

    Probe.Setup setup(int project) {
        return new Probe.Setup(train, test, seeds, seed, project);
    }
}
