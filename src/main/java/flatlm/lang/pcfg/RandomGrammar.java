package flatlm.lang.pcfg;

import flatlm.lang.Dirichlet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Random grammars of the authors' shape ({@link GrammarShape}), deterministic given the
 * generator. Construction, in this order (which is also the order of the rules):
 * <ol>
 * <li>S → S1..S{roots} (unary), probabilities ~ Dirichlet(rootConcentration);</li>
 * <li>each S_r → A1_a A1_b with a, b uniform over level 1;</li>
 * <li>each nonterminal of levels 1..L−1 (L = levels): {@code binaryDraws} pairs (B, C) drawn
 *     uniformly with replacement from the next level (duplicates summed), weights
 *     (1 − t)·Dirichlet(binaryConcentration), then one terminal rule to a uniform word with
 *     probability t ~ Beta(terminalA, terminalB);</li>
 * <li>each nonterminal of level L: {@code wordDraws} words drawn uniformly with replacement
 *     (duplicates summed), weights Dirichlet(wordConcentration). A word that no rule emits yet is
 *     then given to a uniform level-L nonterminal as one extra draw (before normalising), so the
 *     vocabulary has exactly {@code words} words.</li>
 * </ol>
 * Nonterminals are named like the authors' ({@code S}, {@code S1}, {@code A1_0}); words are named
 * {@code w0, w1, ...} in order of first appearance in the rules, so word id k is {@code "wk"}.
 * Dirichlet draws are normalised Gamma draws, made in log space (tiny concentrations never
 * underflow to an all-zero row).
 */
final class RandomGrammar {
    private RandomGrammar() {}

    static Grammar generate(GrammarShape shape, RandomGenerator rng, String source) {
        List<String> lhs = new ArrayList<>();
        List<String[]> rhs = new ArrayList<>();
        List<Double> probs = new ArrayList<>();
        List<Integer> wordOfRule = new ArrayList<>(); // abstract word id of a terminal rule, or -1

        double[] root = Dirichlet.sample(shape.rootConcentration(), shape.roots(), rng);
        for (int r = 0; r < shape.roots(); r++) add(lhs, rhs, probs, wordOfRule, "S", new String[] {"S" + (r + 1)}, root[r], -1);
        for (int r = 0; r < shape.roots(); r++) {
            String a = nt(1, rng.nextInt(shape.perLevel())), b = nt(1, rng.nextInt(shape.perLevel()));
            add(lhs, rhs, probs, wordOfRule, "S" + (r + 1), new String[] {a, b}, 1.0, -1);
        }
        for (int level = 1; level < shape.levels(); level++) {
            for (int a = 0; a < shape.perLevel(); a++) {
                double ga = Math.exp(Dirichlet.logGamma(shape.terminalA(), rng));
                double gb = Math.exp(Dirichlet.logGamma(shape.terminalB(), rng));
                double t = ga / (ga + gb);
                if (!(t > 0 && t < 1)) t = ga >= gb ? 1 - 1e-12 : 1e-12;
                double[] w = Dirichlet.sample(shape.binaryConcentration(), shape.binaryDraws(), rng);
                for (int d = 0; d < shape.binaryDraws(); d++) {
                    String b = nt(level + 1, rng.nextInt(shape.perLevel())), c = nt(level + 1, rng.nextInt(shape.perLevel()));
                    add(lhs, rhs, probs, wordOfRule, nt(level, a), new String[] {b, c}, (1 - t) * w[d], -1);
                }
                add(lhs, rhs, probs, wordOfRule, nt(level, a), null, t, rng.nextInt(shape.words()));
            }
        }
        int last = shape.levels();
        List<List<Integer>> draws = new ArrayList<>();
        boolean[] used = new boolean[shape.words()];
        for (int w : wordOfRule) if (w >= 0) used[w] = true;
        for (int a = 0; a < shape.perLevel(); a++) {
            List<Integer> d = new ArrayList<>();
            for (int k = 0; k < shape.wordDraws(); k++) {
                int w = rng.nextInt(shape.words());
                d.add(w);
                used[w] = true;
            }
            draws.add(d);
        }
        for (int w = 0; w < shape.words(); w++) if (!used[w]) draws.get(rng.nextInt(shape.perLevel())).add(w);
        for (int a = 0; a < shape.perLevel(); a++) {
            List<Integer> d = draws.get(a);
            double[] p = Dirichlet.sample(shape.wordConcentration(), d.size(), rng);
            for (int k = 0; k < d.size(); k++) add(lhs, rhs, probs, wordOfRule, nt(last, a), null, p[k], d.get(k));
        }

        // words named by first appearance
        Map<Integer, String> names = new HashMap<>();
        List<RuleFileParser.RawRule> raw = new ArrayList<>(lhs.size());
        for (int i = 0; i < lhs.size(); i++) {
            String[] right = rhs.get(i);
            if (right == null) {
                String word = names.computeIfAbsent(wordOfRule.get(i), w -> "w" + names.size());
                right = new String[] {word};
            }
            raw.add(new RuleFileParser.RawRule(lhs.get(i), right, probs.get(i), i + 1));
        }
        return GrammarBuilder.build(source, raw, false, false);
    }

    private static void add(List<String> lhs, List<String[]> rhs, List<Double> probs, List<Integer> words,
                            String left, String[] right, double p, int word) {
        lhs.add(left);
        rhs.add(right);
        probs.add(p);
        words.add(word);
    }

    private static String nt(int level, int index) {
        return "A" + level + "_" + index;
    }
}
