package flatlm.lang.pcfg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Structural facts about a set of rules: the order of unary chains, the shortest and longest
 * yield of every nonterminal, and which nonterminals are reachable from the start symbol.
 */
final class GrammarAnalysis {
    /** "Unbounded" length (a nonterminal that derives no finite string, or arbitrarily long ones). */
    static final int INF = 1 << 24;

    private GrammarAnalysis() {}

    /**
     * Nonterminals ordered so that for every unary rule {@code A -> B}, B comes before A
     * (children first), or, if the unary rules contain a cycle, {@code null} and the cycle in
     * {@code cycleOut} (as a list of nonterminals A, B, ..., A).
     */
    static int[] unaryOrder(int n, List<Grammar.Rule> rules, List<Integer> cycleOut) {
        List<List<Integer>> parentsOf = new ArrayList<>();
        List<List<Integer>> childrenOf = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parentsOf.add(new ArrayList<>());
            childrenOf.add(new ArrayList<>());
        }
        int[] outDegree = new int[n];
        for (Grammar.Rule r : rules) {
            if (r.kind() != Grammar.Kind.UNARY) continue;
            outDegree[r.lhs()]++;
            parentsOf.get(r.first()).add(r.lhs());
            childrenOf.get(r.lhs()).add(r.first());
        }
        // Kahn's algorithm, removing sinks (no remaining unary child) first
        int[] order = new int[n];
        int size = 0;
        for (int a = 0; a < n; a++) if (outDegree[a] == 0) order[size++] = a;
        for (int k = 0; k < size; k++) {
            for (int p : parentsOf.get(order[k])) if (--outDegree[p] == 0) order[size++] = p;
        }
        if (size == n) return order;
        // every remaining node has a unary child that also remains: walking such edges must cycle
        int node = -1;
        for (int a = 0; a < n && node < 0; a++) if (outDegree[a] > 0) node = a;
        int[] seenAt = new int[n];
        Arrays.fill(seenAt, -1);
        List<Integer> path = new ArrayList<>();
        while (seenAt[node] < 0) {
            seenAt[node] = path.size();
            path.add(node);
            for (int c : childrenOf.get(node)) {
                if (outDegree[c] > 0) {
                    node = c;
                    break;
                }
            }
        }
        cycleOut.clear();
        cycleOut.addAll(path.subList(seenAt[node], path.size()));
        cycleOut.add(node);
        return null;
    }

    /**
     * Shortest yield of each nonterminal (INF if it derives no finite string):
     * min(A) = min over rules of 1 (A → w), min(B) (A → B), min(B) + min(C) (A → B C),
     * over rules of positive probability, by relaxation to the fixpoint.
     */
    static int[] minLengths(int n, List<Grammar.Rule> rules) {
        int[] min = new int[n];
        Arrays.fill(min, INF);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Grammar.Rule r : rules) {
                if (r.prob() == 0) continue;
                int len = switch (r.kind()) {
                    case TERMINAL -> 1;
                    case UNARY -> min[r.first()];
                    case BINARY -> Math.min(INF, min[r.first()] + min[r.second()]);
                };
                if (len < min[r.lhs()]) {
                    min[r.lhs()] = len;
                    changed = true;
                }
            }
        }
        return min;
    }

    /**
     * Longest yield of each nonterminal: 0 if it derives no finite string, INF if its
     * derivations can be arbitrarily long (a cycle among productive nonterminals is reachable
     * from it), else max over productive rules of 1, max(B), max(B) + max(C) (saturating at INF).
     * Only rules of positive probability whose children are all productive count.
     */
    static int[] maxLengths(int n, List<Grammar.Rule> rules) {
        int[] min = minLengths(n, rules);
        List<List<Grammar.Rule>> byLhs = new ArrayList<>();
        List<List<Integer>> usedBy = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byLhs.add(new ArrayList<>());
            usedBy.add(new ArrayList<>());
        }
        int[] pending = new int[n];
        for (Grammar.Rule r : rules) {
            if (r.prob() == 0 || !productive(r, min)) continue;
            byLhs.get(r.lhs()).add(r);
            if (r.kind() != Grammar.Kind.TERMINAL) {
                pending[r.lhs()]++;
                usedBy.get(r.first()).add(r.lhs());
            }
            if (r.kind() == Grammar.Kind.BINARY) {
                pending[r.lhs()]++;
                usedBy.get(r.second()).add(r.lhs());
            }
        }
        int[] max = new int[n];
        Arrays.fill(max, INF);
        int[] queue = new int[n];
        int size = 0;
        for (int a = 0; a < n; a++) if (pending[a] == 0) queue[size++] = a;
        for (int k = 0; k < size; k++) {
            int a = queue[k];
            int best = 0;
            for (Grammar.Rule r : byLhs.get(a)) {
                long len = switch (r.kind()) {
                    case TERMINAL -> 1;
                    case UNARY -> max[r.first()];
                    case BINARY -> (long) max[r.first()] + max[r.second()];
                };
                best = (int) Math.max(best, Math.min(INF, len));
            }
            max[a] = best;
            for (int p : usedBy.get(a)) if (--pending[p] == 0) queue[size++] = p;
        }
        return max; // nonterminals never dequeued reach a cycle: INF
    }

    private static boolean productive(Grammar.Rule r, int[] min) {
        return switch (r.kind()) {
            case TERMINAL -> true;
            case UNARY -> min[r.first()] < INF;
            case BINARY -> min[r.first()] < INF && min[r.second()] < INF;
        };
    }

    /** reachable[A]: A occurs in some derivation from {@code start} (rules of positive probability). */
    static boolean[] reachable(int n, int start, List<Grammar.Rule> rules) {
        List<List<Integer>> children = new ArrayList<>();
        for (int i = 0; i < n; i++) children.add(new ArrayList<>());
        for (Grammar.Rule r : rules) {
            if (r.prob() == 0) continue;
            if (r.kind() != Grammar.Kind.TERMINAL) children.get(r.lhs()).add(r.first());
            if (r.kind() == Grammar.Kind.BINARY) children.get(r.lhs()).add(r.second());
        }
        boolean[] seen = new boolean[n];
        int[] stack = new int[n];
        int top = 0;
        seen[start] = true;
        stack[top++] = start;
        while (top > 0) {
            int a = stack[--top];
            for (int c : children.get(a)) {
                if (!seen[c]) {
                    seen[c] = true;
                    stack[top++] = c;
                }
            }
        }
        return seen;
    }
}
