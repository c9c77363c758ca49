package flatlm.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The BERT-style masked-LM transformer of SPEC.md section 2, written from libtorch
 * primitives (linear, layer_norm, matmul, softmax, gelu, embedding) so that double
 * back-propagation ({@code torch.grad(..., create_graph=true)}) works through every op.
 *
 * <pre>
 *   x = LN_emb(E_tok[ids] + E_pos[0..T-1])                      (dropout)
 *   pre-LN block:  x = x + Attn(LN_a(x));  x = x + MLP(LN_m(x))
 *   post-LN block: x = LN_a(x + Attn(x));  x = LN_m(x + MLP(x))
 *   pre-LN only:   x = LN_final(x)
 *   Attn: heads of size d/h, softmax(q kᵀ/√(d/h) with [PAD] keys at −∞) v, output projection
 *   MLP:  fc2(GELU(fc1 x)), GELU exact (erf)
 *   word logits = x · E_tok[4..4+V−1]ᵀ + b      (decoder tied to the word embeddings)
 * </pre>
 *
 * The masked-LM distribution is a softmax over the V language words only (token ids
 * 4..4+V−1, see {@link Tokens}); special tokens can never be the answer, and the output bias
 * has V entries. LayerNorm epsilon is 1e-12 (BERT's): a larger epsilon would break the
 * function-preserving embedding into a wider model (SPEC.md section 2).
 *
 * <p>Initialisation (from a {@link java.util.SplittableRandom} seeded by the constructor's
 * seed, in parameter order, independent of libtorch's generator): token and position
 * embeddings N(0, 0.02²) (N(0,1) stalled training in the reference), linear weights
 * N(0, 0.02²), biases 0, LayerNorm weight 1 and bias 0.
 *
 * <p>Parameter names (canonical order, also the safetensors names):
 * {@code embeddings.tokens.weight [V+4,d]}, {@code embeddings.positions.weight [n+2,d]},
 * {@code embeddings.norm.{weight,bias}}, then per block i
 * {@code blocks.i.attn_norm.{weight,bias}}, {@code blocks.i.attn.{query,key,value,out}.{weight,bias}}
 * (weights [out,in] as torch.nn.Linear), {@code blocks.i.mlp_norm.{weight,bias}},
 * {@code blocks.i.mlp.fc1.{weight,bias}}, {@code blocks.i.mlp.fc2.{weight,bias}}, then
 * {@code final_norm.{weight,bias}} (pre-LN only) and {@code head.bias [V]}.
 * In post-LN blocks attn_norm / mlp_norm are applied after the residual sums.
 */
public final class MlmTransformer implements MlmModel {
    public static final double LAYER_NORM_EPS = 1e-12;
    public static final double INIT_STD = 0.02;

    private final ModelConfig cfg;
    private final ParameterStore params;
    private final long[] normShape;
    private final double attnScale;
    private boolean training = false;

    // direct references, in forward order
    private final Tensor tokEmb, posEmb, embNormW, embNormB, finalNormW, finalNormB, headBias;
    private final Block[] blocks;

    private record Block(Tensor attnNormW, Tensor attnNormB,
                         Tensor qW, Tensor qB, Tensor kW, Tensor kB, Tensor vW, Tensor vB, Tensor oW, Tensor oB,
                         Tensor mlpNormW, Tensor mlpNormB, Tensor fc1W, Tensor fc1B, Tensor fc2W, Tensor fc2B) {}

    /** A model with parameters drawn from {@code seed}, on the CPU. */
    public MlmTransformer(ModelConfig cfg, long seed) {
        this(cfg, seed, "cpu");
    }

    /** A model with parameters drawn from {@code seed} on {@code device} ("cpu", "cuda", "cuda:1"). */
    public MlmTransformer(ModelConfig cfg, long seed, String device) {
        this(cfg, new SplittableRandom(seed), device);
    }

    public MlmTransformer(ModelConfig cfg, RandomGenerator rng, String device) {
        this.cfg = cfg;
        this.params = new ParameterStore(cfg.dtype(), device, cfg.parameterCount());
        this.normShape = new long[] {cfg.d()};
        this.attnScale = 1.0 / Math.sqrt(cfg.headSize());
        int d = cfg.d();
        int di = cfg.dInter();
        tokEmb = param("embeddings.tokens.weight", rng, INIT_STD, cfg.tokenVocabulary(), d);
        posEmb = param("embeddings.positions.weight", rng, INIT_STD, cfg.positions(), d);
        embNormW = ones("embeddings.norm.weight", d);
        embNormB = zeros("embeddings.norm.bias", d);
        blocks = new Block[cfg.layers()];
        for (int i = 0; i < cfg.layers(); i++) {
            String p = "blocks." + i + ".";
            Tensor anw = ones(p + "attn_norm.weight", d);
            Tensor anb = zeros(p + "attn_norm.bias", d);
            Tensor qW = param(p + "attn.query.weight", rng, INIT_STD, d, d);
            Tensor qB = zeros(p + "attn.query.bias", d);
            Tensor kW = param(p + "attn.key.weight", rng, INIT_STD, d, d);
            Tensor kB = zeros(p + "attn.key.bias", d);
            Tensor vW = param(p + "attn.value.weight", rng, INIT_STD, d, d);
            Tensor vB = zeros(p + "attn.value.bias", d);
            Tensor oW = param(p + "attn.out.weight", rng, INIT_STD, d, d);
            Tensor oB = zeros(p + "attn.out.bias", d);
            Tensor mnw = ones(p + "mlp_norm.weight", d);
            Tensor mnb = zeros(p + "mlp_norm.bias", d);
            Tensor f1W = param(p + "mlp.fc1.weight", rng, INIT_STD, di, d);
            Tensor f1B = zeros(p + "mlp.fc1.bias", di);
            Tensor f2W = param(p + "mlp.fc2.weight", rng, INIT_STD, d, di);
            Tensor f2B = zeros(p + "mlp.fc2.bias", d);
            blocks[i] = new Block(anw, anb, qW, qB, kW, kB, vW, vB, oW, oB, mnw, mnb, f1W, f1B, f2W, f2B);
        }
        if (cfg.preLn()) {
            finalNormW = ones("final_norm.weight", d);
            finalNormB = zeros("final_norm.bias", d);
        } else {
            finalNormW = null;
            finalNormB = null;
        }
        headBias = zeros("head.bias", cfg.vocabWords());
    }

    // ---------------------------------------------------------------- parameters

    private Tensor param(String name, RandomGenerator rng, double std, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return params.register(name, ParameterStore.gaussian(rng, std, n), shape);
    }

    private Tensor ones(String name, long n) {
        double[] v = new double[(int) n];
        java.util.Arrays.fill(v, 1.0);
        return params.register(name, v, n);
    }

    private Tensor zeros(String name, long n) {
        return params.register(name, new double[(int) n], n);
    }

    @Override
    public LinkedHashMap<String, Tensor> namedParameters() {
        return params.named();
    }

    /** Parameter names in canonical order. */
    public List<String> parameterNames() {
        return Collections.unmodifiableList(new ArrayList<>(params.named().keySet()));
    }

    public ModelConfig config() {
        return cfg;
    }

    @Override public int vocabWords() { return cfg.vocabWords(); }
    @Override public int maxLength() { return cfg.maxLength(); }
    @Override public int hiddenSize() { return cfg.d(); }
    @Override public ModelConfig.DType dtype() { return cfg.dtype(); }
    @Override public String device() { return params.deviceName(); }
    @Override public void setTraining(boolean training) { this.training = training; }
    @Override public boolean isTraining() { return training; }
    @Override public String configJson() { return cfg.toJson(); }
    @Override public String kind() { return "transformer"; }

    // ---------------------------------------------------------------- forward

    private Tensor linear(Tensor x, Tensor w, Tensor b) {
        return torch.linear(x, w, new TensorOptional(b));
    }

    private Tensor norm(Tensor x, Tensor w, Tensor b) {
        return torch.layer_norm(x, normShape, new TensorOptional(w), new TensorOptional(b), LAYER_NORM_EPS, false);
    }

    private Tensor drop(Tensor x) {
        return training && cfg.dropout() > 0 ? torch.dropout(x, cfg.dropout(), true) : x;
    }

    @Override
    public Tensor hidden(Tensor inputIds, Tensor padMask) {
        return forward(inputIds, padMask, null);
    }

    /**
     * Layer states 0..{@link #numLayerStates()}−1: 0 = the embedding output LN_emb(E_tok + E_pos),
     * i = block i's output (1..layers), and, pre-LN only, layers + 1 = LN_final of the last block's
     * output; the last is {@link #hidden}.
     */
    @Override
    public List<Tensor> layerStates(Tensor inputIds, Tensor padMask) {
        List<Tensor> states = new ArrayList<>();
        forward(inputIds, padMask, states);
        return states;
    }

    @Override
    public int numLayerStates() {
        return 1 + cfg.layers() + (cfg.preLn() ? 1 : 0);
    }

    @Override
    public int layerWidth(int layer) {
        checkLayer(layer);
        return cfg.d();
    }

    @Override
    public String layerName(int layer) {
        checkLayer(layer);
        if (layer == 0) return "embedding";
        if (layer <= cfg.layers()) return "block " + layer;
        return "final LayerNorm";
    }

    /** The forward pass; {@code states} (nullable) receives every layer state in order. */
    private Tensor forward(Tensor inputIds, Tensor padMask, List<Tensor> states) {
        inputIds = params.onDevice(inputIds);
        padMask = params.onDevice(padMask);
        Tensor x = embed(inputIds);
        if (states != null) states.add(x);
        Tensor keyMask = keyMask(padMask, inputIds);
        for (Block bl : blocks) {
            x = block(x, bl, keyMask);
            if (states != null) states.add(x);
        }
        if (cfg.preLn()) {
            x = norm(x, finalNormW, finalNormB);
            if (states != null) states.add(x);
        }
        return x;
    }

    /**
     * Log-probabilities at the predictions only. The same function as the default (final states of
     * every position, then the rows (rows[m], cols[m])), computed with less work: the last block's
     * output at a position depends on the other positions only through its keys and values, so its
     * keys and values are computed at every position and the rest of the last block (queries,
     * attention, output projection, MLP, LayerNorms) and the final LayerNorm at the M predictions only.
     */
    @Override
    public Tensor maskedLogProbs(Tensor inputIds, Tensor padMask, Tensor rows, Tensor cols) {
        if (blocks.length == 0) return MlmModel.super.maskedLogProbs(inputIds, padMask, rows, cols);
        inputIds = params.onDevice(inputIds);
        padMask = params.onDevice(padMask);
        rows = params.onDevice(rows);
        cols = params.onDevice(cols);
        long batch = inputIds.size(0), len = inputIds.size(1), d = cfg.d();
        Tensor x = embed(inputIds);
        Tensor keyMask = keyMask(padMask, inputIds);
        for (int i = 0; i < blocks.length - 1; i++) x = block(x, blocks[i], keyMask);
        Block last = blocks[blocks.length - 1];
        Tensor at = rows.mul(new Scalar(len)).add(cols); // flat index of each prediction in [B*T]
        long m = at.size(0);
        Tensor hkv = cfg.preLn() ? norm(x, last.attnNormW, last.attnNormB) : x;
        Tensor[] kv = keysValues(hkv, last);
        Tensor k = kv[0], v = kv[1], mask = keyMask; // [M,H,T,hs]: the rows of the predictions
        boolean inOrder = m == batch // one prediction per row, in order (single masking): no copy
            && torch.equal(rows, torch.arange(new Scalar(batch), Torch.longOptions()).to(rows.device(), torch.ScalarType.Long));
        if (!inOrder) {
            k = k.index_select(0, rows);
            v = v.index_select(0, rows);
            mask = mask == null ? null : mask.index_select(0, rows);
        }
        Tensor xm = x.reshape(batch * len, d).index_select(0, at).view(m, 1, d);
        Tensor q = heads(hkv.reshape(batch * len, d).index_select(0, at).view(m, 1, d), new Tensor[] {last.qW},
            new Tensor[] {last.qB})[0];
        Tensor h;
        if (cfg.preLn()) {
            xm = xm.add(attend(q, k, v, last, mask));
            xm = xm.add(mlp(norm(xm, last.mlpNormW, last.mlpNormB), last));
            h = norm(xm, finalNormW, finalNormB);
        } else {
            xm = norm(xm.add(attend(q, k, v, last, mask)), last.attnNormW, last.attnNormB);
            h = norm(xm.add(mlp(xm, last)), last.mlpNormW, last.mlpNormB);
        }
        return wordLogits(h.view(m, d)).log_softmax(1);
    }

    /** LN_emb(E_tok[ids] + E_pos[0..T-1]), dropout. */
    private Tensor embed(Tensor inputIds) {
        long len = inputIds.size(1);
        if (len > cfg.positions())
            throw new IllegalArgumentException("input of " + len + " tokens exceeds the model's " + cfg.positions() + " positions");
        Tensor x = torch.embedding(tokEmb, inputIds).add(posEmb.narrow(0, 0, len));
        return drop(norm(x, embNormW, embNormB));
    }

    /** {@code [B,1,1,T]}, true at [PAD] keys; null without padding. */
    private static Tensor keyMask(Tensor padMask, Tensor inputIds) {
        return padMask == null ? null : padMask.view(inputIds.size(0), 1, 1, inputIds.size(1));
    }

    /** One block at every position. */
    private Tensor block(Tensor x, Block bl, Tensor keyMask) {
        if (cfg.preLn()) {
            Tensor h = norm(x, bl.attnNormW, bl.attnNormB);
            x = x.add(selfAttention(h, bl, keyMask));
            return x.add(mlp(norm(x, bl.mlpNormW, bl.mlpNormB), bl));
        }
        x = norm(x.add(selfAttention(x, bl, keyMask)), bl.attnNormW, bl.attnNormB);
        return norm(x.add(mlp(x, bl)), bl.mlpNormW, bl.mlpNormB);
    }

    /** Attention of every position of {@code h [B,T,d]}: queries, keys and values from one product. */
    private Tensor selfAttention(Tensor h, Block bl, Tensor keyMask) {
        Tensor[] qkv = heads(h, new Tensor[] {bl.qW, bl.kW, bl.vW}, new Tensor[] {bl.qB, bl.kB, bl.vB});
        return attend(qkv[0], qkv[1], qkv[2], bl, keyMask);
    }

    /** Keys and values {@code [B,H,T,hs]} of the block input {@code h [B,T,d]}, from one product. */
    private Tensor[] keysValues(Tensor h, Block bl) {
        return heads(h, new Tensor[] {bl.kW, bl.vW}, new Tensor[] {bl.kB, bl.vB});
    }

    /**
     * The projections {@code h Wᵢᵀ + bᵢ} of {@code h [N,T,d]}, split into heads {@code [N,H,T,hs]}: one
     * product with the weights stacked (the stacking copies d² values each; its backward only slices).
     */
    private Tensor[] heads(Tensor h, Tensor[] w, Tensor[] b) {
        long n = h.size(0), t = h.size(1), heads = cfg.heads(), hs = cfg.headSize();
        Tensor out = w.length == 1 ? linear(h, w[0], b[0])
            : linear(h, torch.cat(new TensorVector(w)), torch.cat(new TensorVector(b)));
        TensorVector parts = out.split(cfg.d(), 2);
        Tensor[] r = new Tensor[w.length];
        for (int i = 0; i < r.length; i++) r[i] = parts.get(i).view(n, t, heads, hs).transpose(1, 2);
        return r;
    }

    /**
     * Attention of the queries {@code q [N,H,Tq,hs]} over keys and values {@code [N,H,T,hs]}:
     * softmax(q kᵀ/√(d/h), [PAD] keys at −∞) v, heads concatenated, output projection. In training
     * mode the product, softmax and dropout are libtorch's fused {@code scaled_dot_product_attention}
     * (one call forward and backward instead of a batched matrix product per head and sentence);
     * its backward is not differentiable again, so the Hessian estimators, which need double
     * backward, run in eval mode, where the same function is written from ops.
     */
    private Tensor attend(Tensor q, Tensor k, Tensor v, Block bl, Tensor keyMask) {
        long n = q.size(0), tq = q.size(2);
        Tensor ctx;
        if (training) { // libtorch's fused kernel (first-order: double backward runs in eval mode)
            TensorOptional mask = keyMask == null ? new TensorOptional() : new TensorOptional(keyMask.logical_not());
            ctx = torch.scaled_dot_product_attention(q, k, v, mask, cfg.dropout(), false, new DoubleOptional(attnScale), false);
        } else {
            Tensor scores = q.mul(new Scalar(attnScale)).matmul(k.transpose(2, 3)); // [N,H,Tq,T]
            if (keyMask != null) scores = scores.masked_fill(keyMask, new Scalar(Double.NEGATIVE_INFINITY));
            ctx = drop(scores.softmax(3)).matmul(v);
        }
        return drop(linear(ctx.transpose(1, 2).reshape(n, tq, cfg.d()), bl.oW, bl.oB));
    }

    private Tensor mlp(Tensor h, Block bl) {
        return drop(linear(torch.gelu(linear(h, bl.fc1W, bl.fc1B)), bl.fc2W, bl.fc2B));
    }

    @Override
    public Tensor wordLogits(Tensor hidden) {
        Tensor words = tokEmb.narrow(0, Tokens.WORD_OFFSET, cfg.vocabWords());
        return linear(hidden, words, headBias);
    }
}
