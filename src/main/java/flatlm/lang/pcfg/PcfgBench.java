package flatlm.lang.pcfg;

import flatlm.lang.DownstreamTask;
import flatlm.lang.LanguageStats;
import flatlm.lang.Sentence;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Throughput of {@link Pcfg#conditionals} on one thread and the entropy of the true conditionals.
 * Usage: {@code PcfgBench [RULE_FILE|authors|random [SEED [SENTENCES]]]} (default: the bundled
 * authors' grammar, seed 1, 2,000 sentences).
 *
 * <p>Entropy per token: Ĥ = Σ_s E_s / Σ_s n_s over sentences s with E_s = Σ_i H(p*(·|x_-i)),
 * standard error clustered by sentence: se² = Σ_s (E_s − Ĥ n_s)² / (m (m−1) n̄²).
 */
public final class PcfgBench {
    private PcfgBench() {}

    public static void main(String[] args) throws IOException {
        String which = args.length > 0 ? args[0] : "authors";
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        Pcfg pcfg = switch (which) {
            case "authors" -> Pcfg.authors();
            case "random" -> Pcfg.random(seed);
            default -> Pcfg.load(Path.of(which), false);
        };
        List<Sentence> data = pcfg.sample(count, new SplittableRandom(seed));
        long tokens = data.stream().mapToLong(Sentence::length).sum();
        System.out.printf("PCFG %s: %d nonterminals, %d rules, %d words, max length %d; %d sentences (seed %d), mean length %.2f%n",
            which, pcfg.grammar().numNonterminals(), pcfg.grammar().rules().size(), pcfg.vocabulary().size(),
            pcfg.maxLength(), count, seed, (double) tokens / count);

        LanguageStats.conditionalsRate(pcfg, data, System.out);
        LanguageStats.Entropy h = LanguageStats.entropyPerToken(pcfg, data, 1);
        System.out.printf("entropy of p*(x_i | x_-i): %.4f ± %.4f nats per token (mean over all %d (sentence, position) pairs)%n",
            h.perToken(), h.stderr(), tokens);

        for (Pcfg.LabelMode mode : Pcfg.LabelMode.values()) {
            Pcfg p = pcfg.withLabelMode(mode);
            StringBuilder sb = new StringBuilder("labels (" + mode.name().toLowerCase() + "):");
            long t0 = System.nanoTime();
            for (DownstreamTask task : p.tasks()) {
                LanguageStats.LabelCounts lc = LanguageStats.labelCounts(task, data);
                long unlabelled = lc.unlabelled();
                int distinct = lc.counts().size();
                long top = lc.counts().values().stream().mapToLong(Long::longValue).max().orElse(0);
                sb.append(String.format("  %s: %d unlabelled, %d/%d classes used, majority %.3f;", task.name(),
                    unlabelled, distinct, task.numClasses(), top / (double) Math.max(1, count - unlabelled)));
            }
            System.out.println(sb + String.format("  (%.2f s)", (System.nanoTime() - t0) / 1e9));
        }
    }
}
