package flatlm.lang.pcfg;

import flatlm.lang.Vocabulary;
import flatlm.util.BadInputException;
import flatlm.util.Warnings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the lines of a rule file into a validated {@link Grammar}.
 *
 * <ul>
 * <li>A symbol is a nonterminal iff it is the left-hand side of some rule; any other right-hand
 *     symbol of a unary rule is a terminal (word). Both children of a binary rule must be
 *     nonterminals: a binary child without rules is "used but never defined" (error at the line
 *     of its first use).</li>
 * <li>Unary nonterminal rules ({@code S -> S_r}) may form chains but no cycle (error).</li>
 * <li>Duplicate rules are summed. The start symbol {@code S} must have rules and derive a
 *     finite sentence.</li>
 * <li>The rules of each nonterminal must sum to 1: a deviation up to {@value #SILENT} is kept
 *     as it is (rounding of written doubles); up to {@value #TOLERANCE} they are renormalised,
 *     with one warning summarising how many and the largest deviation; a larger deviation is
 *     an error naming the nonterminal and its sum, unless {@code renormalize}.</li>
 * <li>Nonterminals unreachable from S: a warning naming them (rule files given by the user).</li>
 * </ul>
 */
final class GrammarBuilder {
    static final String START = "S";
    static final double SILENT = 1e-12;
    static final double TOLERANCE = 1e-2;

    private GrammarBuilder() {}

    /**
     * @param warnUnreachable warn about nonterminals unreachable from S (off for grammars we wrote
     *                        ourselves: random grammars and reloaded definitions)
     */
    static Grammar build(String source, List<RuleFileParser.RawRule> raw, boolean renormalize, boolean warnUnreachable) {
        // nonterminals: left-hand sides, in order of first appearance
        Map<String, Integer> ntIds = new LinkedHashMap<>();
        List<Long> firstLine = new ArrayList<>();
        for (RuleFileParser.RawRule r : raw) {
            if (!ntIds.containsKey(r.lhs())) {
                ntIds.put(r.lhs(), ntIds.size());
                firstLine.add(r.line());
            }
        }
        Integer start = ntIds.get(START);
        if (start == null) throw new BadInputException(source + ": no rules for the start symbol '" + START + "'");
        int n = ntIds.size();

        // rules, duplicates summed; words in order of first appearance
        Map<String, Integer> wordIds = new LinkedHashMap<>();
        Map<List<Integer>, Integer> ruleIndex = new HashMap<>();
        List<Grammar.Kind> kinds = new ArrayList<>();
        List<int[]> sides = new ArrayList<>();
        List<Double> probs = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        for (RuleFileParser.RawRule r : raw) {
            int lhs = ntIds.get(r.lhs());
            Grammar.Kind kind;
            int a;
            int b = -1;
            if (r.rhs().length == 1) {
                Integer nt = ntIds.get(r.rhs()[0]);
                if (nt != null) {
                    kind = Grammar.Kind.UNARY;
                    a = nt;
                } else {
                    kind = Grammar.Kind.TERMINAL;
                    a = wordIds.computeIfAbsent(r.rhs()[0], w -> wordIds.size());
                }
            } else {
                kind = Grammar.Kind.BINARY;
                for (String child : r.rhs()) {
                    if (!ntIds.containsKey(child)) {
                        throw BadInputException.at(source, r.line(), "binary rule " + r.lhs() + " -> " + r.rhs()[0] + " "
                            + r.rhs()[1] + " uses '" + child + "', which is never defined (no rule has it on the left)");
                    }
                }
                a = ntIds.get(r.rhs()[0]);
                b = ntIds.get(r.rhs()[1]);
            }
            List<Integer> key = List.of(lhs, kind.ordinal(), a, b);
            Integer idx = ruleIndex.get(key);
            if (idx == null) {
                ruleIndex.put(key, kinds.size());
                kinds.add(kind);
                sides.add(new int[] {lhs, a, b});
                probs.add(r.prob());
                lines.add(r.line());
            } else {
                probs.set(idx, probs.get(idx) + r.prob());
            }
        }
        List<Grammar.Rule> rules = new ArrayList<>(kinds.size());
        for (int i = 0; i < kinds.size(); i++) {
            int[] s = sides.get(i);
            rules.add(new Grammar.Rule(s[0], kinds.get(i), s[1], s[2], probs.get(i)));
        }
        List<String> names = new ArrayList<>(ntIds.keySet());

        // unary cycles
        List<Integer> cycle = new ArrayList<>();
        if (GrammarAnalysis.unaryOrder(n, rules, cycle) == null) {
            long line = Long.MAX_VALUE;
            for (int k = 0; k + 1 < cycle.size(); k++) {
                Integer idx = ruleIndex.get(List.of(cycle.get(k), Grammar.Kind.UNARY.ordinal(), cycle.get(k + 1), -1));
                line = Math.min(line, lines.get(idx));
            }
            StringBuilder path = new StringBuilder();
            for (int k = 0; k < cycle.size(); k++) path.append(k == 0 ? "" : " -> ").append(names.get(cycle.get(k)));
            throw BadInputException.at(source, line, "unary rules form a cycle " + path + " (not allowed)");
        }

        // normalisation
        double[] sums = new double[n];
        for (Grammar.Rule r : rules) sums[r.lhs()] += r.prob();
        int renormalised = 0;
        int worst = -1;
        double worstDev = 0;
        for (int a = 0; a < n; a++) {
            double dev = Math.abs(sums[a] - 1);
            if (!(sums[a] > 0)) {
                throw BadInputException.at(source, firstLine.get(a),
                    "the rules of '" + names.get(a) + "' have total probability 0");
            }
            if (dev > TOLERANCE && !renormalize) {
                throw BadInputException.at(source, firstLine.get(a), String.format(Locale.ROOT,
                    "the rules of '%s' sum to %.6g, not 1 (deviation %.2e > %.0e); fix the file or renormalise",
                    names.get(a), sums[a], dev, TOLERANCE));
            }
            if (dev > SILENT) {
                renormalised++;
                if (dev > worstDev) {
                    worstDev = dev;
                    worst = a;
                }
            }
        }
        if (renormalised > 0) {
            for (int i = 0; i < rules.size(); i++) {
                Grammar.Rule r = rules.get(i);
                if (Math.abs(sums[r.lhs()] - 1) > SILENT) {
                    rules.set(i, new Grammar.Rule(r.lhs(), r.kind(), r.first(), r.second(), r.prob() / sums[r.lhs()]));
                }
            }
            Warnings.warn(String.format(Locale.ROOT,
                "%s:%d: renormalised the rules of %d nonterminal%s whose probabilities do not sum to 1 "
                    + "(largest deviation %.2e: '%s' sums to %.9f)",
                source, firstLine.get(worst), renormalised, renormalised == 1 ? "" : "s", worstDev,
                names.get(worst), sums[worst]));
        }

        if (GrammarAnalysis.minLengths(n, rules)[start] >= GrammarAnalysis.INF) {
            throw BadInputException.at(source, firstLine.get(start),
                "the start symbol '" + START + "' derives no finite sentence");
        }
        boolean[] reachable = GrammarAnalysis.reachable(n, start, rules);
        List<String> unreachable = new ArrayList<>();
        long unreachableLine = -1;
        for (int a = 0; a < n; a++) {
            if (!reachable[a]) {
                if (unreachable.isEmpty()) unreachableLine = firstLine.get(a);
                unreachable.add(names.get(a));
            }
        }
        if (warnUnreachable && !unreachable.isEmpty()) {
            Warnings.warn(source + ":" + unreachableLine + ": " + unreachable.size() + " nonterminal"
                + (unreachable.size() == 1 ? " is" : "s are") + " unreachable from " + START + ": "
                + String.join(" ", unreachable) + " (kept, never used)");
        }
        return new Grammar(source, names, start, new Vocabulary(new ArrayList<>(wordIds.keySet())), rules);
    }
}
