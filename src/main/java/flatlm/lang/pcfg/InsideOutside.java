package flatlm.lang.pcfg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scaled inside–outside for a {@link Grammar}, and the exact MLM conditionals of all positions
 * from one pass.
 *
 * <p><b>Inside</b> β(A,i,j) = P(A ⇒* x_i..x_{j-1}):
 * β(A,i,i+1) = P(A → x_i) (+ unary), and for j − i ≥ 2
 * β(A,i,j) = Σ_{A→BC} Σ_k P(A→BC) β(B,i,k) β(C,k,j) + Σ_{A→B} P(A→B) β(B,i,j),
 * the unary sums taken children first (unary chains are acyclic).
 * <b>Outside</b> α(A,i,j) = P(S ⇒* x_<i A x_≥j): α(S,0,n) = 1; each cell first receives its unary
 * parents (parents first), α(B,i,j) += P(A→B) α(A,i,j), then passes to its children:
 * α(B,i,k) += P(A→BC) α(A,i,j) β(C,k,j), α(C,k,j) += P(A→BC) α(A,i,j) β(B,i,k).
 *
 * <p><b>Conditionals.</b> Every derivation emits x_i by exactly one preterminal rule A → x_i,
 * so P(x) = Σ_A α(A,i,i+1) P(A → x_i), and α(A,i,i+1) does not depend on x_i. Hence
 * p*(x_i = v | x_-i) = Σ_A α(A,i,i+1) P(A→v) / Σ_v' (same), for all i from one outside pass.
 *
 * <p><b>Scaling.</b> Position t carries the factor c_t = max_A P(A → x_t); the stored values are
 * β̃(A,i,j) = β(A,i,j) / Π_{t∈[i,j)} c_t and α̃(A,i,j) = α(A,i,j) / Π_{t∉[i,j)} c_t. Every product
 * in the recursions then carries the same factor, so the recursions are unchanged, and the
 * stored numbers hold only structural rule probabilities (and ratios P(A→x_t)/c_t ≤ 1): they
 * underflow only for sentences of hundreds of words. log P(x) = log β̃(S,0,n) + Σ_t log c_t.
 *
 * <p><b>Pruning.</b> A binary rule A → B C is applied at split k only when k−i lies in
 * [minLen(B), maxLen(B)] and j−k in [minLen(C), maxLen(C)] (static: outside scores of cells no
 * substituted word could fill are never needed); inside sums skip empty left cells.
 *
 * <p>Thread-safe: the grammar arrays are immutable and each thread has its own workspace.
 */
final class InsideOutside {
    final Grammar grammar;
    final int numNt;
    final int numWords;
    final int start;
    // binary rules grouped by left child (inside) and by parent (outside)
    private final int[] leftStart, leftParent, leftRight;
    private final double[] leftProb;
    private final int[] parStart, parLeft, parRight;
    private final double[] parProb;
    // unary rules sorted children first (inside order; outside runs them backwards)
    private final int[] uParent, uChild;
    private final double[] uProb;
    // terminal rules grouped by nonterminal and by word
    private final int[] emStart, emWord;
    private final double[] emProb;
    private final int[] wStart, wNt;
    private final double[] wProb;
    private final double[] maxEmit;
    final int[] minLen, maxLen;

    private final ThreadLocal<Workspace> workspaces = ThreadLocal.withInitial(Workspace::new);

    InsideOutside(Grammar g) {
        this.grammar = g;
        this.numNt = g.numNonterminals();
        this.numWords = g.vocabulary().size();
        this.start = g.start();
        List<Grammar.Rule> binary = new ArrayList<>(), unary = new ArrayList<>(), terminal = new ArrayList<>();
        for (Grammar.Rule r : g.rules()) {
            if (r.prob() == 0) continue;
            switch (r.kind()) {
                case BINARY -> binary.add(r);
                case UNARY -> unary.add(r);
                case TERMINAL -> terminal.add(r);
            }
        }
        int nb = binary.size();
        leftStart = new int[numNt + 1];
        leftParent = new int[nb];
        leftRight = new int[nb];
        leftProb = new double[nb];
        int[] pos = offsets(binary, leftStart, Grammar.Rule::first);
        for (Grammar.Rule r : binary) {
            int p = pos[r.first()]++;
            leftParent[p] = r.lhs();
            leftRight[p] = r.second();
            leftProb[p] = r.prob();
        }
        parStart = new int[numNt + 1];
        parLeft = new int[nb];
        parRight = new int[nb];
        parProb = new double[nb];
        pos = offsets(binary, parStart, Grammar.Rule::lhs);
        for (Grammar.Rule r : binary) {
            int p = pos[r.lhs()]++;
            parLeft[p] = r.first();
            parRight[p] = r.second();
            parProb[p] = r.prob();
        }
        int[] order = GrammarAnalysis.unaryOrder(numNt, g.rules(), new ArrayList<>());
        if (order == null) throw new IllegalArgumentException("unary cycle"); // rejected by GrammarBuilder
        int[] rank = new int[numNt];
        for (int k = 0; k < numNt; k++) rank[order[k]] = k;
        unary.sort((x, y) -> Integer.compare(rank[x.lhs()], rank[y.lhs()]));
        uParent = unary.stream().mapToInt(Grammar.Rule::lhs).toArray();
        uChild = unary.stream().mapToInt(Grammar.Rule::first).toArray();
        uProb = unary.stream().mapToDouble(Grammar.Rule::prob).toArray();
        int nt = terminal.size();
        emStart = new int[numNt + 1];
        emWord = new int[nt];
        emProb = new double[nt];
        pos = offsets(terminal, emStart, Grammar.Rule::lhs);
        for (Grammar.Rule r : terminal) {
            int p = pos[r.lhs()]++;
            emWord[p] = r.first();
            emProb[p] = r.prob();
        }
        wStart = new int[numWords + 1];
        wNt = new int[nt];
        wProb = new double[nt];
        maxEmit = new double[numWords];
        for (Grammar.Rule r : terminal) wStart[r.first() + 1]++;
        for (int w = 0; w < numWords; w++) wStart[w + 1] += wStart[w];
        pos = Arrays.copyOf(wStart, numWords);
        for (Grammar.Rule r : terminal) {
            int p = pos[r.first()]++;
            wNt[p] = r.lhs();
            wProb[p] = r.prob();
            maxEmit[r.first()] = Math.max(maxEmit[r.first()], r.prob());
        }
        minLen = GrammarAnalysis.minLengths(numNt, g.rules());
        maxLen = GrammarAnalysis.maxLengths(numNt, g.rules());
    }

    private static int[] offsets(List<Grammar.Rule> rules, int[] startOut, java.util.function.ToIntFunction<Grammar.Rule> key) {
        for (Grammar.Rule r : rules) startOut[key.applyAsInt(r) + 1]++;
        for (int a = 0; a + 1 < startOut.length; a++) startOut[a + 1] += startOut[a];
        return Arrays.copyOf(startOut, startOut.length - 1);
    }

    /** Per-thread scratch space: scaled inside and outside charts of the last sentence. */
    static final class Workspace {
        int n;
        int stride;
        double[] in = new double[0];
        double[] out = new double[0];
        int[] nzCount = new int[0];
        int[] nzList = new int[0];
        double[] logScale = new double[0];
        boolean hasOutside;

        void ensure(int n, int numNt) {
            this.n = n;
            this.stride = n + 1;
            int cells = (n + 1) * (n + 1);
            if (in.length < cells * numNt) {
                in = new double[cells * numNt];
                out = new double[cells * numNt];
                nzList = new int[cells * numNt];
                nzCount = new int[cells];
            }
            if (logScale.length < n) logScale = new double[n];
        }

        /** Index of cell [i, j) times the number of nonterminals. */
        int base(int i, int j, int numNt) {
            return (i * stride + j) * numNt;
        }
    }

    /**
     * Runs inside (and outside if asked) on the calling thread's workspace. Returns the workspace,
     * valid until this thread's next call, or null if the sentence has probability zero.
     */
    Workspace run(int[] words, boolean withOutside) {
        int n = words.length;
        for (int t = 0; t < n; t++) {
            if (words[t] < 0 || words[t] >= numWords) {
                throw new IllegalArgumentException("word id " + words[t] + " at position " + t
                    + " is outside the vocabulary [0, " + numWords + ")");
            }
        }
        if (n == 0) return null;
        Workspace ws = workspaces.get();
        ws.ensure(n, numNt);
        ws.hasOutside = false;
        int N = numNt;
        int S = n + 1;
        double[] in = ws.in;
        Arrays.fill(in, 0, S * S * N, 0.0);

        // one-word cells: β̃(A,t,t+1) = P(A → x_t) / c_t
        for (int t = 0; t < n; t++) {
            int w = words[t];
            double c = maxEmit[w];
            if (c == 0) return null;
            ws.logScale[t] = Math.log(c);
            int base = ws.base(t, t + 1, N);
            for (int r = wStart[w]; r < wStart[w + 1]; r++) in[base + wNt[r]] += wProb[r] / c;
            closeUnaryInside(in, base);
            collectNonzero(ws, t * S + t + 1);
        }
        // longer cells, by increasing length
        for (int len = 2; len <= n; len++) {
            for (int i = 0; i + len <= n; i++) {
                int j = i + len;
                int base = (i * S + j) * N;
                for (int k = i + 1; k < j; k++) {
                    int lc = i * S + k, rc = k * S + j;
                    if (ws.nzCount[rc] == 0) continue;
                    int lb = lc * N, rb = rc * N;
                    for (int q = 0, cnt = ws.nzCount[lc]; q < cnt; q++) {
                        int b = ws.nzList[lb + q];
                        double vb = in[lb + b];
                        for (int r = leftStart[b], e = leftStart[b + 1]; r < e; r++) {
                            in[base + leftParent[r]] += leftProb[r] * vb * in[rb + leftRight[r]];
                        }
                    }
                }
                closeUnaryInside(in, base);
                collectNonzero(ws, i * S + j);
            }
        }
        if (!(in[n * N + start] > 0)) return null; // cell [0, n) has index n
        if (withOutside) outside(ws);
        return ws;
    }

    private void closeUnaryInside(double[] in, int base) {
        for (int u = 0; u < uParent.length; u++) in[base + uParent[u]] += uProb[u] * in[base + uChild[u]];
    }

    private void collectNonzero(Workspace ws, int cell) {
        int base = cell * numNt, cnt = 0;
        for (int a = 0; a < numNt; a++) if (ws.in[base + a] != 0) ws.nzList[base + cnt++] = a;
        ws.nzCount[cell] = cnt;
    }

    private void outside(Workspace ws) {
        int n = ws.n, N = numNt, S = n + 1;
        double[] in = ws.in, out = ws.out;
        Arrays.fill(out, 0, S * S * N, 0.0);
        out[n * N + start] = 1;
        for (int len = n; len >= 1; len--) {
            for (int i = 0; i + len <= n; i++) {
                int j = i + len;
                int base = (i * S + j) * N;
                for (int u = uParent.length - 1; u >= 0; u--) out[base + uChild[u]] += uProb[u] * out[base + uParent[u]];
                if (len == 1) continue;
                for (int a = 0; a < N; a++) {
                    double oa = out[base + a];
                    if (oa == 0) continue;
                    for (int r = parStart[a], e = parStart[a + 1]; r < e; r++) {
                        int b = parLeft[r], c = parRight[r];
                        int kLo = Math.max(i + minLen[b], j - maxLen[c]);
                        int kHi = Math.min(i + maxLen[b], j - minLen[c]);
                        if (kLo > kHi) continue;
                        double po = parProb[r] * oa;
                        for (int k = kLo; k <= kHi; k++) {
                            int lb = (i * S + k) * N, rb = (k * S + j) * N;
                            out[lb + b] += po * in[rb + c];
                            out[rb + c] += po * in[lb + b];
                        }
                    }
                }
            }
        }
        ws.hasOutside = true;
    }

    /** log P(x), or −∞ if x has probability zero. */
    double logProbability(int[] words) {
        Workspace ws = run(words, false);
        if (ws == null) return Double.NEGATIVE_INFINITY;
        double log = Math.log(ws.in[ws.n * numNt + start]);
        for (int t = 0; t < ws.n; t++) log += ws.logScale[t];
        return log;
    }

    /** p*(x_i = v | x_-i) for all i: Σ_A α(A,i,i+1) P(A→v), normalised per row. */
    double[][] conditionals(int[] words) {
        Workspace ws = run(words, true);
        if (ws == null) throw zeroProbability(words);
        int n = ws.n, N = numNt, S = n + 1;
        double[][] result = new double[n][numWords];
        for (int i = 0; i < n; i++) {
            int base = (i * S + i + 1) * N;
            double[] row = result[i];
            for (int a = 0; a < N; a++) {
                double oa = ws.out[base + a];
                if (oa == 0) continue;
                for (int r = emStart[a], e = emStart[a + 1]; r < e; r++) row[emWord[r]] += oa * emProb[r];
            }
            double sum = 0;
            for (double p : row) sum += p;
            if (!(sum > 0 && sum < Double.POSITIVE_INFINITY)) {
                throw new IllegalStateException("scaled outside scores under- or overflowed at position " + i
                    + " of a sentence of length " + n);
            }
            double inv = 1 / sum;
            for (int v = 0; v < numWords; v++) row[v] *= inv;
        }
        return result;
    }

    /** A copy of the charts of a sentence, in log space. */
    Chart chart(int[] words) {
        Workspace ws = run(words, true);
        if (ws == null) throw zeroProbability(words);
        int size = (ws.n + 1) * (ws.n + 1) * numNt;
        double[] prefix = new double[ws.n + 1];
        for (int t = 0; t < ws.n; t++) prefix[t + 1] = prefix[t] + ws.logScale[t];
        return new Chart(grammar, ws.n, Arrays.copyOf(ws.in, size), Arrays.copyOf(ws.out, size), prefix);
    }

    static IllegalArgumentException zeroProbability(int[] words) {
        return new IllegalArgumentException("the sentence " + Arrays.toString(words)
            + " has probability zero under the grammar");
    }

    /** Scaled inside score β̃(A,i,j) of the last run on this thread's workspace. */
    double scaledInside(Workspace ws, int a, int i, int j) {
        return ws.in[ws.base(i, j, numNt) + a];
    }

    /** Scaled outside score α̃(A,i,j) of the last run (with outside) on this thread's workspace. */
    double scaledOutside(Workspace ws, int a, int i, int j) {
        if (!ws.hasOutside) throw new IllegalStateException("outside scores not computed");
        return ws.out[ws.base(i, j, numNt) + a];
    }

    /** P(parent → child) of a unary rule (0 if there is none). */
    double unaryProbability(int parent, int child) {
        double p = 0;
        for (int u = 0; u < uParent.length; u++) if (uParent[u] == parent && uChild[u] == child) p += uProb[u];
        return p;
    }
}
