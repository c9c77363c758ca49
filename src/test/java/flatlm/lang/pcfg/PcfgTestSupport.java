package flatlm.lang.pcfg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Reference computations for the PCFG tests, written independently of {@link InsideOutside}. */
final class PcfgTestSupport {
    private PcfgTestSupport() {}

    /** The authors' grammar (bundled resource), loaded once. */
    private static Pcfg authors;

    static synchronized Pcfg authors() {
        if (authors == null) {
            try {
                authors = Pcfg.authors();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        return authors;
    }

    static List<List<Grammar.Rule>> rulesByLhs(Grammar g) {
        List<List<Grammar.Rule>> out = new ArrayList<>();
        for (int a = 0; a < g.numNonterminals(); a++) out.add(new ArrayList<>());
        for (Grammar.Rule r : g.rules()) out.get(r.lhs()).add(r);
        return out;
    }

    /** P(x) by the textbook recursion β(A,i,j) over all rules of A, memoised, in plain doubles. */
    static double naiveProbability(Grammar g, int[] x) {
        int n = x.length, N = g.numNonterminals();
        if (n == 0) return 0;
        List<List<Grammar.Rule>> by = rulesByLhs(g);
        double[][][] memo = new double[N][n + 1][n + 1];
        for (double[][] m : memo) for (double[] row : m) Arrays.fill(row, Double.NaN);
        return inside(by, x, memo, g.start(), 0, n);
    }

    private static double inside(List<List<Grammar.Rule>> by, int[] x, double[][][] memo, int a, int i, int j) {
        if (!Double.isNaN(memo[a][i][j])) return memo[a][i][j];
        double s = 0;
        for (Grammar.Rule r : by.get(a)) {
            switch (r.kind()) {
                case TERMINAL -> {
                    if (j == i + 1 && x[i] == r.first()) s += r.prob();
                }
                case UNARY -> s += r.prob() * inside(by, x, memo, r.first(), i, j);
                case BINARY -> {
                    for (int k = i + 1; k < j; k++) {
                        s += r.prob() * inside(by, x, memo, r.first(), i, k) * inside(by, x, memo, r.second(), k, j);
                    }
                }
            }
        }
        return memo[a][i][j] = s;
    }

    /** log P(x) by the same recursion in log space (log-sum-exp), for sentences whose probability underflows. */
    static double naiveLogProbability(Grammar g, int[] x) {
        int n = x.length, N = g.numNonterminals();
        List<List<Grammar.Rule>> by = rulesByLhs(g);
        double[][][] memo = new double[N][n + 1][n + 1];
        for (double[][] m : memo) for (double[] row : m) Arrays.fill(row, Double.NaN);
        return logInside(by, x, memo, g.start(), 0, n);
    }

    private static double logInside(List<List<Grammar.Rule>> by, int[] x, double[][][] memo, int a, int i, int j) {
        if (!Double.isNaN(memo[a][i][j])) return memo[a][i][j];
        List<Double> terms = new ArrayList<>();
        for (Grammar.Rule r : by.get(a)) {
            double lp = Math.log(r.prob());
            switch (r.kind()) {
                case TERMINAL -> {
                    if (j == i + 1 && x[i] == r.first()) terms.add(lp);
                }
                case UNARY -> terms.add(lp + logInside(by, x, memo, r.first(), i, j));
                case BINARY -> {
                    for (int k = i + 1; k < j; k++) {
                        terms.add(lp + logInside(by, x, memo, r.first(), i, k) + logInside(by, x, memo, r.second(), k, j));
                    }
                }
            }
        }
        return memo[a][i][j] = logSumExp(terms);
    }

    static double logSumExp(List<Double> terms) {
        double max = Double.NEGATIVE_INFINITY;
        for (double t : terms) max = Math.max(max, t);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double s = 0;
        for (double t : terms) s += Math.exp(t - max);
        return max + Math.log(s);
    }

    /**
     * Every sentence of length ≤ maxLen with its exact probability, by enumerating all leftmost
     * derivations (sentential forms never shrink: no empty rules, acyclic unary chains).
     */
    static Map<List<Integer>, Double> enumerate(Grammar g, int maxLen) {
        List<List<Grammar.Rule>> by = rulesByLhs(g);
        Map<List<Integer>, Double> out = new HashMap<>();
        // symbols: word w as w >= 0, nonterminal a as -1 - a
        expand(by, new int[] {-1 - g.start()}, 1.0, maxLen, out);
        return out;
    }

    private static void expand(List<List<Grammar.Rule>> by, int[] form, double p, int maxLen, Map<List<Integer>, Double> out) {
        if (p == 0 || form.length > maxLen) return;
        int k = 0;
        while (k < form.length && form[k] >= 0) k++;
        if (k == form.length) {
            List<Integer> key = new ArrayList<>();
            for (int w : form) key.add(w);
            out.merge(key, p, Double::sum);
            return;
        }
        int a = -1 - form[k];
        for (Grammar.Rule r : by.get(a)) {
            int[] repl = switch (r.kind()) {
                case TERMINAL -> new int[] {r.first()};
                case UNARY -> new int[] {-1 - r.first()};
                case BINARY -> new int[] {-1 - r.first(), -1 - r.second()};
            };
            int[] next = new int[form.length - 1 + repl.length];
            System.arraycopy(form, 0, next, 0, k);
            System.arraycopy(repl, 0, next, k, repl.length);
            System.arraycopy(form, k + 1, next, k + repl.length, form.length - k - 1);
            expand(by, next, p * r.prob(), maxLen, out);
        }
    }

    /**
     * A random tiny grammar as rule-file lines: S with unary rules to some X_i and one binary
     * rule; nonterminals X0..X{k-1} with binary rules (possibly recursive), unary chains to
     * higher-numbered X (acyclic), and terminal rules over words a, b, c, ...
     */
    static List<String> tinyGrammar(long seed, int k, int words, boolean recursive) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        List<String[]> sRules = new ArrayList<>();
        for (int i = 0; i < k; i++) if (i == 0 || rng.nextDouble() < 0.6) sRules.add(new String[] {"X" + i});
        sRules.add(new String[] {"X" + rng.nextInt(k), "X" + rng.nextInt(k)});
        emit(lines, "S", sRules, rng);
        for (int i = 0; i < k; i++) {
            List<String[]> rules = new ArrayList<>();
            int nb = 1 + rng.nextInt(3);
            for (int b = 0; b < nb; b++) {
                int lo = recursive ? 0 : i + 1;
                if (lo >= k) break;
                rules.add(new String[] {"X" + (lo + rng.nextInt(k - lo)), "X" + (lo + rng.nextInt(k - lo))});
            }
            if (i + 1 < k && rng.nextDouble() < 0.5) rules.add(new String[] {"X" + (i + 1 + rng.nextInt(k - i - 1))});
            int nw = 1 + rng.nextInt(words);
            for (int w = 0; w < nw; w++) rules.add(new String[] {String.valueOf((char) ('a' + rng.nextInt(words)))});
            emit(lines, "X" + i, rules, rng);
        }
        return lines;
    }

    private static void emit(List<String> lines, String lhs, List<String[]> rhs, SplittableRandom rng) {
        double[] w = new double[rhs.size()];
        double sum = 0;
        for (int i = 0; i < w.length; i++) sum += w[i] = 0.1 + rng.nextDouble();
        for (int i = 0; i < w.length; i++) lines.add(lhs + " " + String.join(" ", rhs.get(i)) + " " + (w[i] / sum));
    }

    /** Brute-force conditionals: substitute every word at position i, normalise the sentence probabilities. */
    static double[][] bruteConditionals(int[] x, int vocab, java.util.function.ToDoubleFunction<int[]> prob) {
        double[][] out = new double[x.length][vocab];
        for (int i = 0; i < x.length; i++) {
            int[] y = x.clone();
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                y[i] = v;
                sum += out[i][v] = prob.applyAsDouble(y);
            }
            for (int v = 0; v < vocab; v++) out[i][v] /= sum;
        }
        return out;
    }

    /** Brute-force conditionals from log probabilities (for sentences whose probability underflows). */
    static double[][] bruteConditionalsLog(int[] x, int vocab, java.util.function.ToDoubleFunction<int[]> logProb) {
        double[][] out = new double[x.length][vocab];
        for (int i = 0; i < x.length; i++) {
            int[] y = x.clone();
            List<Double> logs = new ArrayList<>();
            for (int v = 0; v < vocab; v++) {
                y[i] = v;
                logs.add(logProb.applyAsDouble(y));
            }
            double z = logSumExp(logs);
            for (int v = 0; v < vocab; v++) out[i][v] = Math.exp(logs.get(v) - z);
        }
        return out;
    }
}
