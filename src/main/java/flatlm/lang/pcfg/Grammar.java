package flatlm.lang.pcfg;

import flatlm.lang.Vocabulary;

import java.util.Collections;
import java.util.List;

/**
 * An immutable, validated PCFG: nonterminals {@code 0..N-1} (in order of first appearance as a
 * left-hand side), words = {@link #vocabulary()} (in order of first appearance as a terminal), and
 * rules in order of first appearance (duplicates already summed, each nonterminal's rules
 * summing to 1). Rules are {@code A -> word}, {@code A -> B} (acyclic unary chains) or
 * {@code A -> B C}. Built by {@link GrammarBuilder}; {@link #toText()} writes it back in the
 * authors' rule-file format, so that reloading gives the same ids, rules and probabilities.
 */
public final class Grammar {
    /** Kind of a rule's right-hand side. */
    public enum Kind { TERMINAL, UNARY, BINARY }

    /**
     * One rule {@code lhs -> ...}: TERMINAL: {@code first} = word id; UNARY: {@code first} =
     * child nonterminal; BINARY: {@code first second} = children; {@code second = -1} otherwise.
     */
    public record Rule(int lhs, Kind kind, int first, int second, double prob) {}

    private final String source;
    private final List<String> nonterminals;
    private final int start;
    private final Vocabulary vocabulary;
    private final List<Rule> rules;

    Grammar(String source, List<String> nonterminals, int start, Vocabulary vocabulary, List<Rule> rules) {
        this.source = source;
        this.nonterminals = List.copyOf(nonterminals);
        this.start = start;
        this.vocabulary = vocabulary;
        this.rules = Collections.unmodifiableList(List.copyOf(rules));
    }

    /** Where the grammar came from (file name, or a description of a random grammar). */
    public String source() {
        return source;
    }

    public int numNonterminals() {
        return nonterminals.size();
    }

    public String nonterminalName(int id) {
        return nonterminals.get(id);
    }

    /** The start symbol (the nonterminal named {@code S}). */
    public int start() {
        return start;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** All rules, in order of first appearance. */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * The grammar in the authors' format, one rule per line ({@code LHS RHS prob} or
     * {@code LHS RHS1 RHS2 prob}), probabilities printed with {@link Double#toString} (which
     * parses back to the same double).
     */
    public String toText() {
        StringBuilder sb = new StringBuilder(rules.size() * 32);
        for (Rule r : rules) {
            sb.append(nonterminals.get(r.lhs())).append(' ');
            switch (r.kind()) {
                case TERMINAL -> sb.append(vocabulary.word(r.first()));
                case UNARY -> sb.append(nonterminals.get(r.first()));
                case BINARY -> sb.append(nonterminals.get(r.first())).append(' ').append(nonterminals.get(r.second()));
            }
            sb.append(' ').append(Double.toString(r.prob())).append('\n');
        }
        return sb.toString();
    }
}
