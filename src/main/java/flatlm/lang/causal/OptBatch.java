package flatlm.lang.causal;

import java.util.Arrays;

/**
 * B sequences that share a prefix (a read-only {@link OptModel.State}) and continue it in
 * lockstep, one token each per step: the |W| alternatives x_i = v of the exact conditionals.
 * The same computation as {@link OptModel#step} for each sequence, but every matrix product
 * runs over the B rows at once (each weight row is read once per batch, not once per sequence),
 * and the prefix's keys and values are read in place rather than copied.
 */
final class OptBatch {
    private final OptModel m;
    private final int B, d, f, capacity;
    private OptModel.State prefix;
    private int rows, suffix;               // sequences in use, tokens appended after the prefix
    private final double[][] keys, values;  // [layer][(r·capacity + t)·d + j], suffix positions t only
    private final double[] x, a, q, k, v, o, tmp, hid, scores;

    OptBatch(OptModel m, int batch, int suffixCapacity) {
        this.m = m;
        this.B = batch;
        this.d = m.c.hidden();
        this.f = m.c.ffn();
        this.capacity = suffixCapacity;
        int L = m.layers.length;
        keys = new double[L][batch * suffixCapacity * d];
        values = new double[L][batch * suffixCapacity * d];
        x = new double[batch * d]; a = new double[batch * d]; q = new double[batch * d]; k = new double[batch * d];
        v = new double[batch * d]; o = new double[batch * d]; tmp = new double[batch * d]; hid = new double[batch * f];
        scores = new double[m.c.maxPositions()];
    }

    int capacity() { return B; }

    /** Starts {@code rows} ≤ B sequences continuing {@code prefix} (which must not change while in use). */
    void start(OptModel.State prefix, int rows) {
        if (rows > B) throw new IllegalArgumentException(rows + " rows > batch " + B);
        this.prefix = prefix;
        this.rows = rows;
        this.suffix = 0;
    }

    /** Appends tokens[r] to sequence r (r &lt; rows); final hidden states into out [rows·d]. */
    void step(int[] tokens, double[] out) {
        if (suffix >= capacity) throw new IllegalStateException("batch is full");
        int P = prefix.length, pos = P + suffix, H = m.c.heads(), hd = m.c.headDim();
        boolean pre = m.c.preLayerNorm();
        int po = (pos + OptConfig.POSITION_OFFSET) * d;
        for (int r = 0; r < rows; r++) {
            int eo = tokens[r] * d;
            for (int j = 0; j < d; j++) x[r * d + j] = m.embed[eo + j] + m.positions[po + j];
        }
        double scale = 1 / Math.sqrt(hd);
        for (int l = 0; l < m.layers.length; l++) {
            OptModel.Layer L = m.layers[l];
            if (pre) layerNorms(x, L.ln1W(), L.ln1B(), a);
            else System.arraycopy(x, 0, a, 0, rows * d);
            affine(a, L.qT(), L.qB(), q, d, d);
            affine(a, L.kT(), L.kB(), k, d, d);
            affine(a, L.vT(), L.vB(), v, d, d);
            double[] K = keys[l], V = values[l], PK = prefix.keys[l], PV = prefix.values[l];
            for (int r = 0; r < rows; r++) {
                int base = r * capacity * d;
                System.arraycopy(k, r * d, K, base + suffix * d, d);
                System.arraycopy(v, r * d, V, base + suffix * d, d);
                for (int h = 0; h < H; h++) {
                    int ho = h * hd, qo = r * d + ho;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int t = 0; t <= pos; t++) {
                        double[] src = t < P ? PK : K;
                        int ko = (t < P ? t * d : base + (t - P) * d) + ho;
                        double dot = 0;
                        for (int j = 0; j < hd; j++) dot += q[qo + j] * src[ko + j];
                        scores[t] = dot * scale;
                        if (scores[t] > max) max = scores[t];
                    }
                    double z = 0;
                    for (int t = 0; t <= pos; t++) z += scores[t] = Math.exp(scores[t] - max);
                    Arrays.fill(o, qo, qo + hd, 0);
                    for (int t = 0; t <= pos; t++) {
                        double[] src = t < P ? PV : V;
                        int vo = (t < P ? t * d : base + (t - P) * d) + ho;
                        double w = scores[t] / z;
                        for (int j = 0; j < hd; j++) o[qo + j] += w * src[vo + j];
                    }
                }
            }
            affine(o, L.oT(), L.oB(), tmp, d, d);
            for (int i = 0; i < rows * d; i++) x[i] += tmp[i];
            if (!pre) layerNorms(x, L.ln1W(), L.ln1B(), x);
            if (pre) layerNorms(x, L.ln2W(), L.ln2B(), a);
            else System.arraycopy(x, 0, a, 0, rows * d);
            affine(a, L.fc1T(), L.fc1B(), hid, f, d);
            for (int i = 0; i < rows * f; i++) if (hid[i] < 0) hid[i] = 0;
            affine(hid, L.fc2T(), L.fc2B(), tmp, d, f);
            for (int i = 0; i < rows * d; i++) x[i] += tmp[i];
            if (!pre) layerNorms(x, L.ln2W(), L.ln2B(), x);
        }
        if (m.lnfW != null) layerNorms(x, m.lnfW, m.lnfB, out);
        else System.arraycopy(x, 0, out, 0, rows * d);
        suffix++;
    }

    /** logits[r·n + a] = h_r · head_{ids[a]} for the rows of {@link OptModel#headRows} (n = ids.length). */
    void logits(double[] h, double[] rowsT, int n, double[] out) {
        Kernels.affine(h, rows, rowsT, null, out, n, d);
    }

    private void affine(double[] X, double[] wT, double[] b, double[] Y, int out, int in) {
        Kernels.affine(X, rows, wT, b, Y, out, in);
    }

    /** Row-wise LayerNorm (as {@link OptModel}); {@code out} may be {@code X}. */
    private void layerNorms(double[] X, double[] w, double[] b, double[] out) {
        for (int r = 0; r < rows; r++) {
            int ro = r * d;
            double mean = 0;
            for (int j = 0; j < d; j++) mean += X[ro + j];
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) var += (X[ro + j] - mean) * (X[ro + j] - mean);
            double inv = 1 / Math.sqrt(var / d + OptModel.LN_EPS);
            for (int j = 0; j < d; j++) out[ro + j] = (X[ro + j] - mean) * inv * w[j] + b[j];
        }
    }
}
