package flatlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.lang.Language;
import flatlm.lang.LanguageStats;
import flatlm.util.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code flatlm lang stats}: entropy of the true conditionals, lengths, labels, throughput. */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = {"Samples sentences and reports the entropy of the true MLM conditional per token "
        + "(averaged over every sentence and position: the floor of the MLM loss) with its standard error "
        + "clustered by sentence, the length distribution, label class counts per downstream task, and the "
        + "throughput of exact conditionals.",
        "Example: flatlm lang stats --lang hmm --sentences 2000 --seed 1 --json"})
public final class LangStatsCommand implements Callable<Integer> {
    @Mixin LanguageOptions language;

    @Option(names = "--sentences", defaultValue = "2000", description = "Sentences to sample (default: ${DEFAULT-VALUE}).")
    int sentences;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the sampled sentences (default: ${DEFAULT-VALUE}).")
    long seed;

    @Setting("train.threads")
    @Option(names = "--threads", description = "Threads for exact conditionals (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (sentences < 2) throw new BadInputException("--sentences must be at least 2, got " + sentences);
        Language lang = language.build();
        LanguageStats.Result r = LanguageStats.compute(lang, sentences, new SplittableRandom(seed), threads);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("kind", lang.kind());
            out.put("sentences", r.sentences());
            out.put("tokens", r.tokens());
            out.put("seed", seed);
            out.put("entropy", r.entropy());
            out.put("entropy_stderr", r.entropyStderr());
            out.put("mean_length", r.meanLength());
            out.put("length_counts", r.lengthCounts());
            out.put("label_counts", r.labelCounts());
            out.put("sentences_per_second", r.sentencesPerSecond());
            out.put("threads", r.threads());
            System.out.println(new ObjectMapper().writeValueAsString(out));
            return 0;
        }
        System.out.printf("language          %s (vocabulary %d, max length %d)%n", lang.kind(),
            lang.vocabulary().size(), lang.maxLength());
        System.out.printf("sentences         %d (%d tokens, seed %d)%n", r.sentences(), r.tokens(), seed);
        System.out.printf("entropy           %.4f ± %.4f nats per token (true MLM conditional; the floor of the MLM loss)%n",
            r.entropy(), r.entropyStderr());
        System.out.printf("mean length       %.2f%n", r.meanLength());
        System.out.printf("length counts     %s%n", r.lengthCounts());
        r.labelCounts().forEach((task, c) -> System.out.printf("task %-12s %d distinct labels, %d unlabelled sentences, %s%n",
            task, c.counts().size(), c.unlabelled(), summary(c.counts())));
        System.out.printf("throughput        %.0f sentences/s of exact conditionals (%d thread%s)%n",
            r.sentencesPerSecond(), r.threads(), r.threads() == 1 ? "" : "s");
        return 0;
    }

    /** All class counts when there are few, else the most frequent ones (the JSON has them all). */
    static String summary(Map<Integer, Long> counts) {
        if (counts.size() <= 12) return "counts " + counts;
        StringBuilder sb = new StringBuilder("most frequent");
        counts.entrySet().stream().sorted(Map.Entry.<Integer, Long>comparingByValue().reversed()).limit(8)
            .forEach(e -> sb.append(' ').append(e.getKey()).append('=').append(e.getValue()));
        return sb.append(" ... (--json for all)").toString();
    }
}
