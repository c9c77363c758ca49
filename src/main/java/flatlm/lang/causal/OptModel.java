package flatlm.lang.causal;

import flatlm.util.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The OPT decoder (Zhang et al. 2022, transformers' {@code OPTForCausalLM}) in plain Java
 * doubles, one token at a time with a key/value cache. With e_t the token embedding and P the
 * learned positions (looked up at position + 2):
 * <pre>
 *   x = e_t + P[pos + 2]
 *   pre-LN layer:  x += Wo·Attn(LN1(x)) ;  x += W2·relu(W1·LN2(x))     (do_layer_norm_before)
 *   post-LN layer: x = LN1(x + Wo·Attn(x)) ;  x = LN2(x + W2·relu(W1·x))
 *   Attn_h(a) = Σ_{t ≤ pos} softmax_t((q_h·k_{t,h}) / √d_h) v_{t,h},  q = Wq·a + bq, k, v likewise
 *   h = LN_final(x) (pre-LN),  logits_v = h · e_v  (tied head) or h · lm_head_v
 * </pre>
 * LayerNorm eps 1e-5. Weights are stored transposed ([in][out]) so every matrix–vector product
 * is a sequence of contiguous axpy updates.
 */
public final class OptModel {
    public static final String WEIGHTS = "model.safetensors";
    static final double LN_EPS = 1e-5;

    final OptConfig c;
    final double[] embed;     // [V][d]
    final double[] positions; // [maxPos+2][d]
    final double[] head;      // [V][d]: embed when tied, else lm_head
    final Layer[] layers;
    final double[] lnfW, lnfB;

    record Layer(double[] ln1W, double[] ln1B, double[] qT, double[] qB, double[] kT, double[] kB,
                         double[] vT, double[] vB, double[] oT, double[] oB, double[] ln2W, double[] ln2B,
                         double[] fc1T, double[] fc1B, double[] fc2T, double[] fc2B) {}

    private OptModel(OptConfig c, double[] embed, double[] positions, double[] head, Layer[] layers,
                     double[] lnfW, double[] lnfB) {
        this.c = c;
        this.embed = embed;
        this.positions = positions;
        this.head = head;
        this.layers = layers;
        this.lnfW = lnfW;
        this.lnfB = lnfB;
    }

    public OptConfig config() { return c; }

    /**
     * Reads {@code dir/config.json} and {@code dir/model.safetensors} (HF tensor names, with or
     * without the {@code model.} prefix); one-line BadInputException naming the file and tensor.
     */
    public static OptModel load(Path dir) {
        OptConfig c = OptConfig.read(dir);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(dir + ": no " + WEIGHTS + " next to " + OptConfig.FILE
                + (Files.exists(dir.resolve("pytorch_model.bin")) ? " (pytorch_model.bin is not read: save the model with "
                    + "save_pretrained(dir, safe_serialization=True))" : ""));
        }
        return of(c, HfTensors.read(file), file);
    }

    /** The model of {@code c} with the tensors {@code raw} (HF names); {@code file} names them in errors. */
    static OptModel of(OptConfig c, Map<String, HfTensors.Tensor> raw, Path file) {
        Weights w = new Weights(file, c, raw);
        int d = c.hidden(), f = c.ffn(), V = c.vocabSize();
        double[] embed = w.get("decoder.embed_tokens.weight", V, d);
        double[] positions = w.get("decoder.embed_positions.weight", c.maxPositions() + OptConfig.POSITION_OFFSET, d);
        double[] head = c.tiedHead() ? embed : w.get("lm_head.weight", V, d);
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "decoder.layers." + l + ".";
            layers[l] = new Layer(w.lnWeight(p + "self_attn_layer_norm.weight"), w.lnBias(p + "self_attn_layer_norm.bias"),
                w.linearT(p + "self_attn.q_proj", d, d), w.bias(p + "self_attn.q_proj.bias", d),
                w.linearT(p + "self_attn.k_proj", d, d), w.bias(p + "self_attn.k_proj.bias", d),
                w.linearT(p + "self_attn.v_proj", d, d), w.bias(p + "self_attn.v_proj.bias", d),
                w.linearT(p + "self_attn.out_proj", d, d), w.bias(p + "self_attn.out_proj.bias", d),
                w.lnWeight(p + "final_layer_norm.weight"), w.lnBias(p + "final_layer_norm.bias"),
                w.linearT(p + "fc1", f, d), w.bias(p + "fc1.bias", f),
                w.linearT(p + "fc2", d, f), w.bias(p + "fc2.bias", d));
        }
        double[] lnfW = c.finalLayerNorm() ? w.lnWeight("decoder.final_layer_norm.weight") : null;
        double[] lnfB = c.finalLayerNorm() ? w.lnBias("decoder.final_layer_norm.bias") : null;
        return new OptModel(c, embed, positions, head, layers, lnfW, lnfB);
    }

    /** Tensor lookup with or without the {@code model.} prefix, checked against the config's shapes. */
    private record Weights(Path file, OptConfig c, Map<String, HfTensors.Tensor> raw) {
        double[] get(String name, long... shape) {
            HfTensors.Tensor t = raw.get(name);
            if (t == null) t = raw.get("model." + name);
            if (t == null && name.equals("lm_head.weight")) t = raw.get("model.lm_head.weight");
            if (t == null) {
                throw new BadInputException(file + ": missing tensor '" + name + "' (or 'model." + name + "')");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new BadInputException(file + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape) + " from " + OptConfig.FILE);
            }
            return t.values();
        }

        /** W of a Linear(in → out) as stored by torch ([out][in]), returned transposed [in][out]. */
        double[] linearT(String prefix, int out, int in) {
            double[] w = get(prefix + ".weight", out, in);
            double[] t = new double[w.length];
            for (int o = 0; o < out; o++) for (int i = 0; i < in; i++) t[i * out + o] = w[o * in + i];
            return t;
        }

        double[] bias(String name, int n) { return c.bias() ? get(name, n) : new double[n]; }

        double[] lnWeight(String name) {
            if (c.affineLayerNorm()) return get(name, c.hidden());
            double[] one = new double[c.hidden()];
            Arrays.fill(one, 1);
            return one;
        }

        double[] lnBias(String name) { return c.affineLayerNorm() ? get(name, c.hidden()) : new double[c.hidden()]; }
    }

    // ---------------------------------------------------------------- forward

    /** Key/value cache of one sequence plus scratch buffers; not thread-safe (one per thread). */
    public final class State {
        final double[][] keys, values; // [layer][t·d + j]
        int length;
        final double[] x, a, q, k, v, o, tmp, hid, scores;

        State(int capacity) {
            int d = c.hidden();
            keys = new double[layers.length][capacity * d];
            values = new double[layers.length][capacity * d];
            x = new double[d]; a = new double[d]; q = new double[d]; k = new double[d]; v = new double[d];
            o = new double[d]; tmp = new double[d]; hid = new double[c.ffn()]; scores = new double[capacity];
        }

        public int length() { return length; }

        /** Empties the cache. */
        public void reset() { length = 0; }

        /** Makes this state the prefix {@code other} (same model, capacity at least its length). */
        public void copyFrom(State other) {
            int n = other.length * c.hidden();
            for (int l = 0; l < layers.length; l++) {
                System.arraycopy(other.keys[l], 0, keys[l], 0, n);
                System.arraycopy(other.values[l], 0, values[l], 0, n);
            }
            length = other.length;
        }
    }

    /** An empty state for sequences of up to {@code capacity} tokens (≤ max_position_embeddings). */
    public State newState(int capacity) {
        if (capacity > c.maxPositions()) {
            throw new BadInputException("generator: sequences of " + capacity + " tokens exceed max_position_embeddings "
                + c.maxPositions());
        }
        return new State(capacity);
    }

    /** Appends {@code token} at position {@code s.length} and writes the final hidden state h into {@code out} [d]. */
    public void step(State s, int token, double[] out) {
        int d = c.hidden(), H = c.heads(), hd = c.headDim(), pos = s.length, f = c.ffn();
        if (token < 0 || token >= c.vocabSize()) throw new IllegalArgumentException("token id " + token + " out of range");
        if (pos >= s.scores.length) throw new IllegalStateException("state is full (" + pos + " tokens)");
        double[] x = s.x, a = s.a;
        int eo = token * d, po = (pos + OptConfig.POSITION_OFFSET) * d;
        for (int j = 0; j < d; j++) x[j] = embed[eo + j] + positions[po + j];
        double scale = 1 / Math.sqrt(hd);
        for (int l = 0; l < layers.length; l++) {
            Layer L = layers[l];
            if (c.preLayerNorm()) layerNorm(x, L.ln1W, L.ln1B, a);
            else System.arraycopy(x, 0, a, 0, d);
            affine(a, L.qT, L.qB, s.q, d, d);
            affine(a, L.kT, L.kB, s.k, d, d);
            affine(a, L.vT, L.vB, s.v, d, d);
            System.arraycopy(s.k, 0, s.keys[l], pos * d, d);
            System.arraycopy(s.v, 0, s.values[l], pos * d, d);
            double[] K = s.keys[l], Vv = s.values[l], sc = s.scores, o = s.o;
            Arrays.fill(o, 0);
            for (int h = 0; h < H; h++) {
                int ho = h * hd;
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    double dot = 0;
                    int ko = t * d + ho;
                    for (int j = 0; j < hd; j++) dot += s.q[ho + j] * K[ko + j];
                    sc[t] = dot * scale;
                    if (sc[t] > max) max = sc[t];
                }
                double z = 0;
                for (int t = 0; t <= pos; t++) z += sc[t] = Math.exp(sc[t] - max);
                for (int t = 0; t <= pos; t++) {
                    double wgt = sc[t] / z;
                    int vo = t * d + ho;
                    for (int j = 0; j < hd; j++) o[ho + j] += wgt * Vv[vo + j];
                }
            }
            affine(o, L.oT, L.oB, s.tmp, d, d);
            for (int j = 0; j < d; j++) x[j] += s.tmp[j];
            if (!c.preLayerNorm()) layerNorm(x, L.ln1W, L.ln1B, x);
            if (c.preLayerNorm()) layerNorm(x, L.ln2W, L.ln2B, a);
            else System.arraycopy(x, 0, a, 0, d);
            affine(a, L.fc1T, L.fc1B, s.hid, f, d);
            for (int j = 0; j < f; j++) if (s.hid[j] < 0) s.hid[j] = 0;
            affine(s.hid, L.fc2T, L.fc2B, s.tmp, d, f);
            for (int j = 0; j < d; j++) x[j] += s.tmp[j];
            if (!c.preLayerNorm()) layerNorm(x, L.ln2W, L.ln2B, x);
        }
        if (lnfW != null) layerNorm(x, lnfW, lnfB, out);
        else System.arraycopy(x, 0, out, 0, d);
        s.length = pos + 1;
    }

    /** The head restricted to {@code ids}, transposed: [d][ids.length], for {@link #logits}. */
    public double[] headRows(int[] ids) {
        int d = c.hidden(), n = ids.length;
        double[] t = new double[d * n];
        for (int a = 0; a < n; a++) for (int j = 0; j < d; j++) t[j * n + a] = head[ids[a] * d + j];
        return t;
    }

    /** logits[a] = h · head_{ids[a]} for the transposed rows of {@link #headRows}. */
    public void logits(double[] h, double[] rowsT, double[] out) {
        Kernels.affine(h, 1, rowsT, null, out, out.length, h.length);
    }

    /** y = b + x·WT for WT stored [in][out]. */
    private static void affine(double[] x, double[] wT, double[] b, double[] y, int out, int in) {
        Kernels.affine(x, 1, wT, b, y, out, in);
    }

    /** LN(x) = (x − mean) / √(var + 1e-5) · w + b, biased variance; {@code out} may be {@code x}. */
    private static void layerNorm(double[] x, double[] w, double[] b, double[] out) {
        int d = x.length;
        double mean = 0;
        for (double v : x) mean += v;
        mean /= d;
        double var = 0;
        for (double v : x) var += (v - mean) * (v - mean);
        double inv = 1 / Math.sqrt(var / d + LN_EPS);
        for (int j = 0; j < d; j++) out[j] = (x[j] - mean) * inv * w[j] + b[j];
    }
}
