package flatlm.lang.causal;

import flatlm.lang.Sentence;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Throughput of {@link CausalLm#conditionals} on one thread for a random OPT generator
 * ({@link RandomOpt}, written to a temporary directory). Usage (all optional):
 * {@code CausalLmBench [words [length [layers [hidden [sentences [rounds]]]]]]}, defaults
 * 2000 words, length 24, 2 layers, d 64 (4 heads, MLP 4d), 2 sentences, 2 timed rounds after
 * one warm-up sentence. Also prints the cost model: |W|·n(n−1)/2 token steps per sentence.
 */
public final class CausalLmBench {
    private CausalLmBench() {}

    public static void main(String[] args) throws Exception {
        int words = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int length = args.length > 1 ? Integer.parseInt(args[1]) : 24;
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int hidden = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int count = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        Path dir = Files.createTempDirectory("causal-lm-bench");
        try {
            RandomOpt.write(dir, new RandomOpt.Shape(words, 0, layers, hidden, 4, 4 * hidden, length + 8, 2, false), 1);
            CausalLm lm = CausalLmDefinition.build(dir, (Path) null, length, 1.0, new int[0]);
            SplittableRandom rng = new SplittableRandom(1);
            List<Sentence> data = new ArrayList<>();
            for (int i = 0; i < count; i++) data.add(lm.sample(rng));
            System.out.printf("causal-lm: random OPT %d layers d %d, %d words, length %d: %d token steps per sentence%n",
                layers, hidden, words, length, (long) words * length * (length - 1) / 2);
            double sink = lm.conditionals(lm.sample(rng).words())[0][0];
            double best = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (Sentence s : data) sink += lm.conditionals(s.words())[0][0];
                double rate = count / ((System.nanoTime() - t0) / 1e9);
                best = Math.max(best, rate);
                System.out.printf("  round %d: %.4f sentences/s%n", r, rate);
            }
            System.out.printf("conditionals(): best %.4f sentences/s on one thread (checksum %.6f)%n", best, sink);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }
}
