package flatlm.lang.hmm;

import flatlm.lang.Vocabulary;

import java.util.Arrays;

/**
 * The forward–backward algorithm of an HMM (initial π, transitions A, emissions E), scaled:
 * exact MLM conditionals p*(x_i = v | x_-i), state posteriors P(s_i | x) and log P(x) of a
 * fixed-length sentence.
 *
 * <p>Forward: pred_i(s) = P(s_i=s | x_&lt;i), c_i = Σ_s pred_i(s) E[s,x_i] = P(x_i | x_&lt;i),
 * f_i(s) = pred_i(s) E[s,x_i] / c_i, pred_{i+1}(t) = Σ_s f_i(s) A[s,t]; log P(x) = Σ_i log c_i.
 * Backward: β_{n−1} = 1, β_i(s) = Σ_t A[s,t] E[t,x_{i+1}] β_{i+1}(t) = P(x_&gt;i | s_i=s), rescaled
 * per position. Then p*(x_i=v | x_-i) ∝ Σ_s pred_i(s) E[s,v] β_i(s) and
 * P(s_i=s | x) ∝ pred_i(s) E[s,x_i] β_i(s).
 *
 * <p>The sums skip the zeros of the matrices: each row stores the range of its non-zero entries
 * and each word the range of states that can emit it, so a block-diagonal HMM costs
 * O(n·(S·S/K + S·V/K)) per sentence. Any stochastic matrices are handled correctly. Thread-safe
 * (per-thread buffers).
 */
final class ForwardBackward {
    private final int length;
    private final int S;
    private final int V;
    private final double[] initial;
    private final double[][] trans; // [s][t] = P(s_{i+1} = t | s_i = s)
    private final double[][] emit;  // [s][v] = P(x_i = v | s_i = s)
    private final Vocabulary vocabulary;
    final int initLo, initHi;          // non-zero range of the initial distribution
    final int[] tLo, tHi, eLo, eHi;    // non-zero range of each transition/emission row
    private final int[] cLo, cHi;      // per word: range of states s with emit[s][v] > 0
    private final ThreadLocal<Work> work = ThreadLocal.withInitial(Work::new);

    /** Over the given matrices (not copied: the caller owns them and never changes them). */
    ForwardBackward(int length, double[] initial, double[][] trans, double[][] emit, Vocabulary vocabulary) {
        this.length = length;
        this.S = trans.length;
        this.V = vocabulary.size();
        this.initial = initial;
        this.trans = trans;
        this.emit = emit;
        this.vocabulary = vocabulary;
        int[] r = support(initial);
        initLo = r[0];
        initHi = r[1];
        tLo = new int[S]; tHi = new int[S]; eLo = new int[S]; eHi = new int[S];
        for (int s = 0; s < S; s++) {
            r = support(trans[s]); tLo[s] = r[0]; tHi[s] = r[1];
            r = support(emit[s]); eLo[s] = r[0]; eHi[s] = r[1];
        }
        cLo = new int[V]; cHi = new int[V];
        for (int v = 0; v < V; v++) {
            int lo = S, hi = 0;
            for (int s = 0; s < S; s++) {
                if (emit[s][v] > 0) { lo = Math.min(lo, s); hi = s + 1; }
            }
            cLo[v] = lo; cHi[v] = Math.max(lo, hi);
        }
    }

    /**
     * Exact MLM conditionals: p*(x_i=v | x_-i) ∝ Σ_s P(s_i=s | x_&lt;i) E[s,v] β_i(s),
     * β_i(s) = P(x_&gt;i | s_i=s). One scaled forward–backward pass, thread-safe.
     */
    double[][] conditionals(int[] words) {
        int n = words.length;
        Work w = forwardBackward(words);
        double[][] out = new double[n][V];
        for (int i = 0; i < n; i++) {
            double[] row = out[i];
            int base = i * S;
            int lo = Math.max(w.pLo[i], w.bLo[i]), hi = Math.min(w.pHi[i], w.bHi[i]);
            int vlo = V, vhi = 0;
            for (int s = lo; s < hi; s++) {
                double ws = w.pred[base + s] * w.beta[base + s];
                if (ws == 0) continue;
                double[] e = emit[s];
                int a = eLo[s], b = eHi[s];
                for (int v = a; v < b; v++) row[v] += ws * e[v];
                if (a < vlo) vlo = a;
                if (b > vhi) vhi = b;
            }
            double z = 0;
            for (int v = vlo; v < vhi; v++) z += row[v];
            double inv = 1.0 / z;
            for (int v = vlo; v < vhi; v++) row[v] *= inv;
        }
        return out;
    }

    /**
     * Posterior of the hidden states given the whole sentence:
     * {@code [i][s] = P(s_i=s | x) ∝ P(s_i=s | x_<i) E[s,x_i] β_i(s)}.
     */
    double[][] posteriorStates(int[] words) {
        int n = words.length;
        Work w = forwardBackward(words);
        double[][] out = new double[n][S];
        for (int i = 0; i < n; i++) {
            int base = i * S, x = words[i];
            int lo = Math.max(Math.max(w.pLo[i], w.bLo[i]), cLo[x]);
            int hi = Math.min(Math.min(w.pHi[i], w.bHi[i]), cHi[x]);
            double z = 0;
            for (int s = lo; s < hi; s++) {
                double p = w.pred[base + s] * emit[s][x] * w.beta[base + s];
                out[i][s] = p;
                z += p;
            }
            for (int s = lo; s < hi; s++) out[i][s] /= z;
        }
        return out;
    }

    /** log P(x) = Σ_i log c_i with c_i = P(x_i | x_&lt;i), the forward normalisers; −∞ if impossible. */
    double logProbability(int[] words) {
        checkWords(words);
        Work w = work.get();
        w.ensure(words.length, S);
        return forward(words, w) >= 0 ? Double.NEGATIVE_INFINITY : w.logProb;
    }

    /** Forward then backward pass into the thread's workspace; IllegalArgumentException if P(x) = 0. */
    private Work forwardBackward(int[] words) {
        checkWords(words);
        Work w = work.get();
        w.ensure(words.length, S);
        int bad = forward(words, w);
        if (bad >= 0) {
            throw new IllegalArgumentException("sentence has probability zero under this HMM (word "
                + vocabulary.word(words[bad]) + " at position " + bad + " is impossible after the words before it)");
        }
        backward(words, w);
        return w;
    }

    private void checkWords(int[] words) {
        int n = words.length;
        if (n != length) {
            throw new IllegalArgumentException("sentence has probability zero: length " + n
                + ", this HMM's sentences have length " + length);
        }
        for (int i = 0; i < n; i++) {
            if (words[i] < 0 || words[i] >= V) {
                throw new IllegalArgumentException("word id " + words[i] + " at position " + i
                    + " out of range 0.." + (V - 1));
            }
        }
    }

    /**
     * Forward pass: pred[i·S+s] = P(s_i=s | x_&lt;i) with its non-zero range, and log P(x).
     * f_i(s) = pred_i(s) E[s,x_i] / c_i, c_i = Σ_s pred_i(s) E[s,x_i] = P(x_i | x_&lt;i),
     * pred_{i+1}(t) = Σ_s f_i(s) A[s,t]. Returns −1, or the first position with c_i = 0.
     */
    private int forward(int[] words, Work w) {
        int n = words.length;
        double[] pred = w.pred, f = w.f;
        System.arraycopy(initial, 0, pred, 0, S);
        w.pLo[0] = initLo;
        w.pHi[0] = initHi;
        double logProb = 0;
        for (int i = 0; i < n; i++) {
            int x = words[i], base = i * S;
            int lo = Math.max(w.pLo[i], cLo[x]), hi = Math.min(w.pHi[i], cHi[x]);
            double c = 0;
            for (int s = lo; s < hi; s++) {
                double p = pred[base + s] * emit[s][x];
                f[s] = p;
                c += p;
            }
            if (!(c > 0)) return i;
            logProb += Math.log(c);
            w.logProb = logProb;
            if (i + 1 == n) break;
            int next = base + S;
            Arrays.fill(pred, next, next + S, 0.0);
            double inv = 1.0 / c;
            int nlo = S, nhi = 0;
            for (int s = lo; s < hi; s++) {
                double fs = f[s] * inv;
                if (fs == 0) continue;
                double[] a = trans[s];
                int tl = tLo[s], th = tHi[s];
                for (int t = tl; t < th; t++) pred[next + t] += fs * a[t];
                if (tl < nlo) nlo = tl;
                if (th > nhi) nhi = th;
            }
            w.pLo[i + 1] = Math.min(nlo, nhi);
            w.pHi[i + 1] = nhi;
        }
        return -1;
    }

    /**
     * Backward pass: beta[i·S+s] ∝ β_i(s) = P(x_&gt;i | s_i=s), rescaled to sum 1 per position
     * (the scale cancels in every normalised quantity), with its non-zero range.
     * β_{n−1} = 1, β_i(s) = Σ_t A[s,t] E[t,x_{i+1}] β_{i+1}(t).
     */
    private void backward(int[] words, Work w) {
        int n = words.length;
        double[] beta = w.beta, g = w.g;
        int last = (n - 1) * S;
        Arrays.fill(beta, last, last + S, 1.0);
        w.bLo[n - 1] = 0;
        w.bHi[n - 1] = S;
        for (int i = n - 2; i >= 0; i--) {
            int x = words[i + 1], nb = (i + 1) * S, base = i * S;
            int glo = Math.max(w.bLo[i + 1], cLo[x]), ghi = Math.min(w.bHi[i + 1], cHi[x]);
            for (int t = glo; t < ghi; t++) g[t] = emit[t][x] * beta[nb + t];
            double z = 0;
            int blo = S, bhi = 0;
            for (int s = 0; s < S; s++) {
                int lo = Math.max(tLo[s], glo), hi = Math.min(tHi[s], ghi);
                double sum = 0;
                double[] a = trans[s];
                for (int t = lo; t < hi; t++) sum += a[t] * g[t];
                beta[base + s] = sum;
                if (sum > 0) {
                    z += sum;
                    if (s < blo) blo = s;
                    bhi = s + 1;
                }
            }
            // z > 0 whenever the forward pass found P(x) > 0
            double inv = 1.0 / z;
            for (int s = blo; s < bhi; s++) beta[base + s] *= inv;
            w.bLo[i] = Math.min(blo, bhi);
            w.bHi[i] = bhi;
        }
    }

    /** Per-thread forward–backward buffers, grown on demand. */
    private static final class Work {
        double[] pred = new double[0], beta = new double[0], f = new double[0], g = new double[0];
        int[] pLo = new int[0], pHi = new int[0], bLo = new int[0], bHi = new int[0];
        double logProb;

        void ensure(int n, int S) {
            if (f.length < S) { f = new double[S]; g = new double[S]; }
            if (pred.length < n * S) { pred = new double[n * S]; beta = new double[n * S]; }
            if (pLo.length < n) { pLo = new int[n]; pHi = new int[n]; bLo = new int[n]; bHi = new int[n]; }
        }
    }

    /** Range [lo, hi) from the first to one past the last non-zero entry ([0,0) when all zero). */
    private static int[] support(double[] p) {
        int lo = p.length, hi = 0;
        for (int j = 0; j < p.length; j++) {
            if (p[j] != 0) { if (j < lo) lo = j; hi = j + 1; }
        }
        return new int[] {Math.min(lo, hi), hi};
    }

}
