package flatlm.lang.pcfg;

import flatlm.lang.ParseTree;
import flatlm.lang.Sentence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Top-down sampling of derivations: each nonterminal picks one of its rules with its
 * probability (one {@code nextDouble()} per rule choice, so a seed fixes the sentences). A
 * derivation whose yield exceeds {@code maxLength} (only possible for recursive grammars, where
 * maxLength is a cap) is abandoned and redrawn: samples then follow the grammar's distribution
 * conditioned on length ≤ maxLength.
 */
final class PcfgSampler {
    private static final int MAX_ATTEMPTS = 1_000_000;

    private final Grammar grammar;
    private final int maxLength;
    private final Grammar.Rule[][] rulesOf;
    private final double[][] cumulative;
    private final int maxDepth;

    PcfgSampler(Grammar grammar, int maxLength) {
        this.grammar = grammar;
        this.maxLength = maxLength;
        int n = grammar.numNonterminals();
        this.maxDepth = (int) Math.min(Integer.MAX_VALUE, (long) maxLength * (n + 1));
        List<List<Grammar.Rule>> lists = new ArrayList<>();
        for (int a = 0; a < n; a++) lists.add(new ArrayList<>());
        for (Grammar.Rule r : grammar.rules()) if (r.prob() > 0) lists.get(r.lhs()).add(r);
        rulesOf = new Grammar.Rule[n][];
        cumulative = new double[n][];
        for (int a = 0; a < n; a++) {
            rulesOf[a] = lists.get(a).toArray(new Grammar.Rule[0]);
            cumulative[a] = new double[rulesOf[a].length];
            double c = 0;
            for (int k = 0; k < rulesOf[a].length; k++) cumulative[a][k] = c += rulesOf[a][k].prob();
        }
    }

    Sentence sample(RandomGenerator rng) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Derivation d = new Derivation(rng);
            ParseTree tree = d.expand(grammar.start(), 0);
            if (tree != null) return new Sentence(Arrays.copyOf(d.words, d.size), null, tree);
        }
        throw new IllegalStateException("no sentence of length <= " + maxLength + " in " + MAX_ATTEMPTS + " draws");
    }

    /** The rule chosen for nonterminal a: the first whose cumulative probability exceeds u·total. */
    private Grammar.Rule choose(int a, RandomGenerator rng) {
        double[] cum = cumulative[a];
        double u = rng.nextDouble() * cum[cum.length - 1];
        int k = Arrays.binarySearch(cum, u);
        k = k >= 0 ? k + 1 : -k - 1; // first index with cum > u (rules of probability 0 are left out)
        return rulesOf[a][Math.min(k, cum.length - 1)];
    }

    private final class Derivation {
        final RandomGenerator rng;
        int[] words = new int[16];
        int size;

        Derivation(RandomGenerator rng) {
            this.rng = rng;
        }

        /**
         * The subtree of a, or null once the sentence is longer than maxLength (or the tree deeper
         * than any tree of maxLength words can be: at most maxLength binary or terminal levels,
         * each preceded by an acyclic unary chain).
         */
        ParseTree expand(int a, int depth) {
            if (depth > maxDepth) return null;
            int from = size;
            Grammar.Rule r = choose(a, rng);
            switch (r.kind()) {
                case TERMINAL -> {
                    if (size == maxLength) return null;
                    if (size == words.length) words = Arrays.copyOf(words, 2 * size);
                    words[size++] = r.first();
                    return new ParseTree(a, from, size, r.first(), List.of());
                }
                case UNARY -> {
                    ParseTree child = expand(r.first(), depth + 1);
                    return child == null ? null : new ParseTree(a, from, size, -1, List.of(child));
                }
                default -> {
                    ParseTree left = expand(r.first(), depth + 1);
                    if (left == null) return null;
                    ParseTree right = expand(r.second(), depth + 1);
                    return right == null ? null : new ParseTree(a, from, size, -1, List.of(left, right));
                }
            }
        }
    }
}
