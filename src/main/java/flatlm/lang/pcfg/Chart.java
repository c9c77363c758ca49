package flatlm.lang.pcfg;

/**
 * The inside and outside scores of one sentence (a copy, safe to keep), in log space:
 * {@code logInside(A,i,j)} = log P(A ⇒* x_i..x_{j-1}),
 * {@code logOutside(A,i,j)} = log P(S ⇒* x_<i A x_≥j); −∞ where zero.
 * Spans are half-open, {@code 0 <= i < j <= length()}.
 */
public final class Chart {
    private final Grammar grammar;
    private final int n;
    private final int numNt;
    private final double[] in;
    private final double[] out;
    private final double[] logScalePrefix; // Σ_{t<k} log c_t

    Chart(Grammar grammar, int n, double[] in, double[] out, double[] logScalePrefix) {
        this.grammar = grammar;
        this.n = n;
        this.numNt = grammar.numNonterminals();
        this.in = in;
        this.out = out;
        this.logScalePrefix = logScalePrefix;
    }

    public int length() {
        return n;
    }

    public Grammar grammar() {
        return grammar;
    }

    /** log P(x). */
    public double logProbability() {
        return logInside(grammar.start(), 0, n);
    }

    /** log β(A,i,j) = log β̃(A,i,j) + Σ_{t∈[i,j)} log c_t. */
    public double logInside(int a, int i, int j) {
        return Math.log(in[index(a, i, j)]) + logScalePrefix[j] - logScalePrefix[i];
    }

    /** log α(A,i,j) = log α̃(A,i,j) + Σ_{t∉[i,j)} log c_t. */
    public double logOutside(int a, int i, int j) {
        return Math.log(out[index(a, i, j)]) + logScalePrefix[n] - (logScalePrefix[j] - logScalePrefix[i]);
    }

    /** P(A spans [i,j) | x) = β(A,i,j) α(A,i,j) / P(x). */
    public double posterior(int a, int i, int j) {
        double log = logInside(a, i, j) + logOutside(a, i, j) - logProbability();
        return Math.exp(log);
    }

    private int index(int a, int i, int j) {
        if (i < 0 || j > n || i >= j) throw new IndexOutOfBoundsException("span [" + i + ", " + j + ") of a sentence of length " + n);
        if (a < 0 || a >= numNt) throw new IndexOutOfBoundsException("nonterminal " + a);
        return (i * (n + 1) + j) * numNt + a;
    }
}
