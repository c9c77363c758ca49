package flatlm.lang.causal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Test support: writes a tiny OPT checkpoint with random float64 weights in the Hugging Face
 * layout (config.json + model.safetensors with HF tensor names), and an independent, naive
 * forward pass over a whole sequence (full attention matrices, no cache) from the same tensors.
 */
public final class TinyOpt {
    final int V, d, H, F, L, maxPos;
    final boolean pre, tied;
    public final Map<String, HfTensors.Tensor> tensors = new LinkedHashMap<>();

    public TinyOpt(int V, int d, int H, int F, int L, int maxPos, boolean pre, boolean tied, long seed) {
        this.V = V; this.d = d; this.H = H; this.F = F; this.L = L; this.maxPos = maxPos; this.pre = pre; this.tied = tied;
        SplittableRandom rng = new SplittableRandom(seed);
        put("decoder.embed_tokens.weight", rng, 1.0, V, d);
        put("decoder.embed_positions.weight", rng, 0.5, maxPos + 2, d);
        for (int l = 0; l < L; l++) {
            String p = "decoder.layers." + l + ".";
            for (String m : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                put(p + "self_attn." + m + ".weight", rng, 0.7, d, d);
                put(p + "self_attn." + m + ".bias", rng, 0.3, d);
            }
            putLn(p + "self_attn_layer_norm", rng);
            put(p + "fc1.weight", rng, 0.7, F, d);
            put(p + "fc1.bias", rng, 0.3, F);
            put(p + "fc2.weight", rng, 0.7, d, F);
            put(p + "fc2.bias", rng, 0.3, d);
            putLn(p + "final_layer_norm", rng);
        }
        if (pre) putLn("decoder.final_layer_norm", rng);
        if (!tied) put("lm_head.weight", rng, 1.0, V, d);
    }

    private void put(String name, SplittableRandom rng, double std, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = std * rng.nextGaussian();
        tensors.put(name, new HfTensors.Tensor(shape, v));
    }

    private void putLn(String prefix, SplittableRandom rng) {
        double[] w = new double[d], b = new double[d];
        for (int j = 0; j < d; j++) { w[j] = 1 + 0.3 * rng.nextGaussian(); b[j] = 0.2 * rng.nextGaussian(); }
        tensors.put(prefix + ".weight", new HfTensors.Tensor(new long[] {d}, w));
        tensors.put(prefix + ".bias", new HfTensors.Tensor(new long[] {d}, b));
    }

    public ObjectNode config() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "opt");
        c.put("vocab_size", V);
        c.put("hidden_size", d);
        c.put("word_embed_proj_dim", d);
        c.put("num_hidden_layers", L);
        c.put("num_attention_heads", H);
        c.put("ffn_dim", F);
        c.put("max_position_embeddings", maxPos);
        c.put("do_layer_norm_before", pre);
        c.put("tie_word_embeddings", tied);
        c.put("activation_function", "relu");
        c.put("bos_token_id", 0);
        c.put("eos_token_id", 2);
        c.put("pad_token_id", 1);
        return c;
    }

    /** Writes the directory; {@code prefix} ("model." or "") is prepended to every decoder tensor name. */
    public Path write(Path dir, String prefix) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config());
        Map<String, HfTensors.Tensor> named = new LinkedHashMap<>();
        tensors.forEach((k, v) -> named.put(k.startsWith("decoder.") ? prefix + k : k, v));
        HfTensors.write(dir.resolve("model.safetensors"), named, true);
        return dir;
    }

    double[] w(String name) { return tensors.get(name).values(); }

    /** Independent forward: logits[t][v] for the whole sequence, by full-matrix causal attention. */
    public double[][] logits(int[] tokens) {
        int n = tokens.length, hd = d / H;
        double[][] x = new double[n][d];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                x[t][j] = w("decoder.embed_tokens.weight")[tokens[t] * d + j]
                    + w("decoder.embed_positions.weight")[(t + 2) * d + j];
            }
        }
        for (int l = 0; l < L; l++) {
            String p = "decoder.layers." + l + ".";
            double[][] a = pre ? ln(x, p + "self_attn_layer_norm") : x;
            double[][] q = lin(a, p + "self_attn.q_proj", d, d), k = lin(a, p + "self_attn.k_proj", d, d);
            double[][] v = lin(a, p + "self_attn.v_proj", d, d);
            double[][] o = new double[n][d];
            for (int h = 0; h < H; h++) {
                for (int t = 0; t < n; t++) {
                    double[] s = new double[t + 1];
                    double z = 0;
                    for (int u = 0; u <= t; u++) {
                        double dot = 0;
                        for (int j = h * hd; j < (h + 1) * hd; j++) dot += q[t][j] * k[u][j];
                        s[u] = Math.exp(dot / Math.sqrt(hd));
                        z += s[u];
                    }
                    for (int u = 0; u <= t; u++) for (int j = h * hd; j < (h + 1) * hd; j++) o[t][j] += s[u] / z * v[u][j];
                }
            }
            x = add(x, lin(o, p + "self_attn.out_proj", d, d));
            if (!pre) x = ln(x, p + "self_attn_layer_norm");
            double[][] b = pre ? ln(x, p + "final_layer_norm") : x;
            double[][] f = lin(b, p + "fc1", F, d);
            for (double[] r : f) for (int j = 0; j < F; j++) r[j] = Math.max(0, r[j]);
            x = add(x, lin(f, p + "fc2", d, F));
            if (!pre) x = ln(x, p + "final_layer_norm");
        }
        if (pre) x = ln(x, "decoder.final_layer_norm");
        double[] head = tied ? w("decoder.embed_tokens.weight") : w("lm_head.weight");
        double[][] out = new double[n][V];
        for (int t = 0; t < n; t++) for (int u = 0; u < V; u++) for (int j = 0; j < d; j++) out[t][u] += x[t][j] * head[u * d + j];
        return out;
    }

    private double[][] lin(double[][] x, String prefix, int out, int in) {
        double[] W = w(prefix + ".weight"), b = w(prefix + ".bias");
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) s += W[o * in + i] * x[t][i];
                y[t][o] = s;
            }
        }
        return y;
    }

    private double[][] ln(double[][] x, String prefix) {
        double[] g = w(prefix + ".weight"), b = w(prefix + ".bias");
        double[][] y = new double[x.length][d];
        for (int t = 0; t < x.length; t++) {
            double m = 0, var = 0;
            for (double v : x[t]) m += v / d;
            for (double v : x[t]) var += (v - m) * (v - m) / d;
            for (int j = 0; j < d; j++) y[t][j] = (x[t][j] - m) / Math.sqrt(var + 1e-5) * g[j] + b[j];
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][];
        for (int t = 0; t < a.length; t++) {
            y[t] = a[t].clone();
            for (int j = 0; j < y[t].length; j++) y[t][j] += b[t][j];
        }
        return y;
    }
}
