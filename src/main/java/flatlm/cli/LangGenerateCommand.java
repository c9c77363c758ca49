package flatlm.cli;

import flatlm.data.CorpusManifest;
import flatlm.data.CorpusWriter;
import flatlm.lang.Language;
import flatlm.util.BadInputException;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code flatlm lang generate}: a corpus directory (definition, shards, manifest). */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Writes a language's definition (HMM matrices, PCFG rules in the authors' format) and "
        + "sentence shards with labels to a new directory, streaming, with a manifest of counts, seed and "
        + "SHA-256 checksums. Shards are NumPy .npy int32 matrices (np.load): words [n, maxLength] and hidden "
        + "states padded with -1, labels [n, tasks] with -1 where a task defines no label. "
        + "Same options and seed, same bytes.",
        "Example: flatlm lang generate --lang hmm --sentences 1000000 --seed 1 --out corpora/hmm"})
public final class LangGenerateCommand implements Callable<Integer> {
    @Mixin LanguageOptions language;

    @Option(names = "--sentences", required = true, description = "Number of sentences.")
    long sentences;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the sampled sentences (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New (or empty) output directory.")
    Path out;

    @Option(names = "--shard-size", defaultValue = "100000", description = "Sentences per shard (default: ${DEFAULT-VALUE}).")
    int shardSize;

    @Setting("train.threads")
    @Option(names = "--threads", description = "Threads for labelling (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (sentences < 1) throw new BadInputException("--sentences must be at least 1, got " + sentences);
        CorpusWriter.checkTarget(out);
        Language lang = language.build();
        CorpusManifest manifest;
        try (ProgressBar bar = ProgressBars.create("generate", sentences, " sent")) {
            manifest = new CorpusWriter(lang, shardSize, threads)
                .write(out, sentences, seed, new SplittableRandom(seed), bar::stepTo);
        }
        System.err.printf("flatlm: wrote %d sentences (%d tokens) in %d shard(s) to %s%n",
            manifest.sentences(), manifest.tokens(), manifest.shards().size(), out);
        return 0;
    }
}
