package flatlm.lang.pcfg;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
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

        double sink = 0;
        for (int r = 0; r < 5; r++) for (Sentence s : data) sink += pcfg.conditionals(s.words())[0][0];
        double best = 0;
        for (int r = 0; r < 5; r++) {
            long t0 = System.nanoTime();
            for (Sentence s : data) sink += pcfg.conditionals(s.words())[0][0];
            double rate = count / ((System.nanoTime() - t0) / 1e9);
            best = Math.max(best, rate);
            System.out.printf("  round %d: %.0f sentences/s (%.0f tokens/s)%n", r, rate, rate * tokens / count);
        }
        System.out.printf("conditionals(): best %.0f sentences/s on one thread (checksum %.4f)%n", best, sink);

        double[] e = new double[count];
        double total = 0;
        for (int s = 0; s < count; s++) {
            for (double[] row : pcfg.conditionals(data.get(s).words())) {
                for (double p : row) if (p > 0) e[s] -= p * Math.log(p);
            }
            total += e[s];
        }
        double h = total / tokens;
        double meanLength = (double) tokens / count;
        double ss = 0;
        for (int s = 0; s < count; s++) {
            double r = e[s] - h * data.get(s).length();
            ss += r * r;
        }
        double se = Math.sqrt(ss / ((double) count * (count - 1))) / meanLength;
        System.out.printf("entropy of p*(x_i | x_-i): %.4f ± %.4f nats per token (mean over all %d (sentence, position) pairs)%n",
            h, se, tokens);

        for (Pcfg.LabelMode mode : Pcfg.LabelMode.values()) {
            Pcfg p = pcfg.withLabelMode(mode);
            StringBuilder sb = new StringBuilder("labels (" + mode.name().toLowerCase() + "):");
            long t0 = System.nanoTime();
            for (DownstreamTask task : p.tasks()) {
                int[] counts = new int[task.numClasses()];
                int unlabelled = 0;
                for (Sentence s : data) {
                    OptionalInt l = task.labelOf(s);
                    if (l.isPresent()) counts[l.getAsInt()]++;
                    else unlabelled++;
                }
                int distinct = 0, top = 0;
                for (int c : counts) {
                    if (c > 0) distinct++;
                    top = Math.max(top, c);
                }
                sb.append(String.format("  %s: %d unlabelled, %d/%d classes used, majority %.3f;", task.name(),
                    unlabelled, distinct, task.numClasses(), top / (double) Math.max(1, count - unlabelled)));
            }
            System.out.println(sb + String.format("  (%.2f s)", (System.nanoTime() - t0) / 1e9));
        }
    }
}
