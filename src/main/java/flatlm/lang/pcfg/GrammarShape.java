package flatlm.lang.pcfg;

/**
 * Shape and weight distributions of a random grammar (see {@link RandomGrammar}).
 *
 * @param roots               root rules S → S_r (authors: 9)
 * @param levels              levels of nonterminals A1..A{levels} (authors: 4; max sentence length 2^levels)
 * @param perLevel            nonterminals per level (authors: 10)
 * @param binaryDraws         draws, with replacement, of binary rules into the next level per
 *                            nonterminal of levels 1..levels−1 (authors: 20; duplicates summed, ~18 distinct)
 * @param words               vocabulary size (authors: 200)
 * @param wordDraws           draws, with replacement, of words per last-level nonterminal
 *                            (authors: 100, ~79 distinct, "~80 of the 200 words")
 * @param rootConcentration   Dirichlet concentration of P(S → S_r)
 * @param binaryConcentration Dirichlet concentration of the binary rules of a nonterminal
 * @param terminalA           terminal-rule mass of levels 1..levels−1 ~ Beta(terminalA, terminalB)
 * @param terminalB           see terminalA
 * @param wordConcentration   Dirichlet concentration of the last level's word draws
 */
public record GrammarShape(int roots, int levels, int perLevel, int binaryDraws, int words, int wordDraws,
                           double rootConcentration, double binaryConcentration, double terminalA,
                           double terminalB, double wordConcentration) {
    /**
     * The authors' shape, with weights fitted by eye to their released grammar: root
     * probabilities 0.03–0.27 (Dirichlet(3) over 9 gives a coefficient of variation of 0.53, theirs
     * 0.58); binary weights of a nonterminal with coefficient of variation 0.36–0.73 (Gamma(3):
     * 0.58); terminal-rule mass of levels 1–3 between 0.04 and 0.42, mean 0.17 (Beta(2, 8): mean
     * 0.2, sd 0.12); level-4 emission weights very skewed, coefficient of variation 1.8–2.5
     * (Gamma(0.25): 2).
     */
    public static final GrammarShape AUTHORS = new GrammarShape(9, 4, 10, 20, 200, 100, 3.0, 3.0, 2.0, 8.0, 0.25);

    public GrammarShape {
        if (roots < 1 || levels < 1 || perLevel < 1 || binaryDraws < 1 || words < 1 || wordDraws < 1) {
            throw new IllegalArgumentException("grammar shape counts must be positive");
        }
        for (double c : new double[] {rootConcentration, binaryConcentration, terminalA, terminalB, wordConcentration}) {
            if (!(c > 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("grammar shape concentrations must be positive and finite");
            }
        }
    }

    /** The same shape with another number of levels (max sentence length 2^levels). */
    public GrammarShape withLevels(int newLevels) {
        return new GrammarShape(roots, newLevels, perLevel, binaryDraws, words, wordDraws, rootConcentration,
            binaryConcentration, terminalA, terminalB, wordConcentration);
    }

    /** The same shape with other sizes (weights unchanged). */
    public GrammarShape withSizes(int newRoots, int newPerLevel, int newBinaryDraws, int newWords, int newWordDraws) {
        return new GrammarShape(newRoots, levels, newPerLevel, newBinaryDraws, newWords, newWordDraws,
            rootConcentration, binaryConcentration, terminalA, terminalB, wordConcentration);
    }

    /** Longest sentence: S → S_r → A1 A1, each level doubling: 2^levels. */
    public long maxLength() {
        return 1L << Math.min(levels, 62);
    }
}
