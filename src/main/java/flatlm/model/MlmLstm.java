package flatlm.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Bidirectional LSTM masked-LM (the paper uses LSTMs on HMM data), same token layout and
 * interface as {@link MlmTransformer}.
 *
 * <pre>
 *   x_0 = E_tok[ids]                                           (dropout)
 *   layer l: forward LSTM over t = 0..T-1 and backward LSTM over t = T-1..0 of x_l,
 *            x_{l+1} = [h_fwd ; h_bwd]  (width 2h)               (dropout between layers)
 *   word logits = W_head x_L + b     (V words only; untied head)
 * </pre>
 *
 * The cell is written from linear / sigmoid / tanh ops (gate order i, f, g, o as in
 * torch.nn.LSTM), not libtorch's fused {@code lstm} kernel, so that double back-propagation
 * works (the fused CPU kernel may dispatch to oneDNN, which has no double backward). [PAD]
 * positions leave the state unchanged ({@code where}), so the backward direction of a padded
 * sentence starts at its [SEP] exactly as without padding. The input at a masked position is
 * [MASK], so both directions' states there carry no information about the answer.
 *
 * <p>Initialisation (SplittableRandom(seed), parameter order): token embeddings N(0, 0.1²),
 * LSTM weights U(−1/√h, 1/√h) (torch.nn.LSTM's default), biases 0 except the forget gate 1,
 * head weight N(0, 0.02²), head bias 0.
 *
 * <p>Parameter names: {@code embeddings.tokens.weight [V+4,e]},
 * {@code lstm.l.{forward,backward}.{weight_ih [4h,in], weight_hh [4h,h], bias [4h]}},
 * {@code head.weight [V,2h]}, {@code head.bias [V]}.
 */
public final class MlmLstm implements MlmModel {
    private final LstmConfig cfg;
    private final ParameterStore params;
    private final Tensor tokEmb, headW, headB;
    private final Tensor[][] wih, whh, bias; // [layer][direction]
    private boolean training = false;

    public MlmLstm(LstmConfig cfg, long seed) {
        this(cfg, seed, "cpu");
    }

    public MlmLstm(LstmConfig cfg, long seed, String device) {
        this(cfg, new SplittableRandom(seed), device);
    }

    public MlmLstm(LstmConfig cfg, RandomGenerator rng, String device) {
        this.cfg = cfg;
        this.params = new ParameterStore(cfg.dtype(), device);
        int h = cfg.hidden();
        tokEmb = params.register("embeddings.tokens.weight", ParameterStore.gaussian(rng, 0.1, (long) Tokens.tokenVocabulary(cfg.vocabWords()) * cfg.embed()),
            Tokens.tokenVocabulary(cfg.vocabWords()), cfg.embed());
        wih = new Tensor[cfg.layers()][2];
        whh = new Tensor[cfg.layers()][2];
        bias = new Tensor[cfg.layers()][2];
        double k = 1.0 / Math.sqrt(h);
        for (int l = 0; l < cfg.layers(); l++) {
            int in = l == 0 ? cfg.embed() : 2 * h;
            for (int dir = 0; dir < 2; dir++) {
                String p = "lstm." + l + "." + (dir == 0 ? "forward" : "backward") + ".";
                wih[l][dir] = params.register(p + "weight_ih", uniform(rng, k, 4L * h * in), 4L * h, in);
                whh[l][dir] = params.register(p + "weight_hh", uniform(rng, k, 4L * h * h), 4L * h, h);
                double[] b = new double[4 * h];
                for (int j = h; j < 2 * h; j++) b[j] = 1.0; // forget gate
                bias[l][dir] = params.register(p + "bias", b, 4L * h);
            }
        }
        headW = params.register("head.weight", ParameterStore.gaussian(rng, 0.02, (long) cfg.vocabWords() * 2 * h), cfg.vocabWords(), 2L * h);
        headB = params.register("head.bias", new double[cfg.vocabWords()], cfg.vocabWords());
    }

    private static double[] uniform(RandomGenerator rng, double k, long n) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (2 * rng.nextDouble() - 1) * k;
        return v;
    }

    public LstmConfig config() {
        return cfg;
    }

    @Override public int vocabWords() { return cfg.vocabWords(); }
    @Override public int maxLength() { return cfg.maxLength(); }
    @Override public int hiddenSize() { return 2 * cfg.hidden(); }
    @Override public ModelConfig.DType dtype() { return cfg.dtype(); }
    @Override public String device() { return params.deviceName(); }
    @Override public void setTraining(boolean training) { this.training = training; }
    @Override public boolean isTraining() { return training; }
    @Override public String configJson() { return cfg.toJson(); }
    @Override public String kind() { return "lstm"; }

    @Override
    public LinkedHashMap<String, Tensor> namedParameters() {
        return params.named();
    }

    private Tensor drop(Tensor x) {
        return training && cfg.dropout() > 0 ? torch.dropout(x, cfg.dropout(), true) : x;
    }

    @Override
    public Tensor hidden(Tensor inputIds, Tensor padMask) {
        return forward(inputIds, padMask, null);
    }

    /** Layer states: 0 = the token embeddings E_tok[ids] (width e), l = LSTM layer l's [h_fwd ; h_bwd] (width 2h). */
    @Override
    public java.util.List<Tensor> layerStates(Tensor inputIds, Tensor padMask) {
        java.util.List<Tensor> states = new java.util.ArrayList<>();
        forward(inputIds, padMask, states);
        return states;
    }

    @Override public int numLayerStates() { return 1 + cfg.layers(); }

    @Override
    public int layerWidth(int layer) {
        checkLayer(layer);
        return layer == 0 ? cfg.embed() : 2 * cfg.hidden();
    }

    @Override
    public String layerName(int layer) {
        checkLayer(layer);
        return layer == 0 ? "embedding" : "lstm " + layer;
    }

    /** The forward pass; {@code states} (nullable) receives every layer state in order (before dropout). */
    private Tensor forward(Tensor inputIds, Tensor padMask, java.util.List<Tensor> states) {
        inputIds = params.onDevice(inputIds);
        padMask = params.onDevice(padMask);
        long len = inputIds.size(1);
        if (len > cfg.maxLength() + 2)
            throw new IllegalArgumentException("input of " + len + " tokens exceeds the model's " + (cfg.maxLength() + 2));
        Tensor valid = padMask == null ? null : padMask.logical_not().unsqueeze(2); // [B,T,1] bool
        Tensor x = drop(torch.embedding(tokEmb, inputIds));
        if (states != null) states.add(x);
        for (int l = 0; l < cfg.layers(); l++) {
            Tensor fwd = direction(x, l, 0, valid);
            Tensor bwd = direction(x, l, 1, valid);
            x = torch.cat(new TensorVector(fwd, bwd), 2);
            if (states != null) states.add(x);
            if (l < cfg.layers() - 1) x = drop(x);
        }
        return x;
    }

    private Tensor direction(Tensor x, int layer, int dir, Tensor valid) {
        long batch = x.size(0);
        int len = (int) x.size(1);
        long h = cfg.hidden();
        Tensor xi = torch.linear(x, wih[layer][dir], new TensorOptional(bias[layer][dir])); // [B,T,4h]
        Tensor state = torch.zeros(new long[] {batch, h}, Torch.options(cfg.dtype().scalarType(), params.device()));
        Tensor cell = state;
        Tensor[] out = new Tensor[len];
        for (int k = 0; k < len; k++) {
            int t = dir == 0 ? k : len - 1 - k;
            Tensor g = xi.select(1, t).add(torch.linear(state, whh[layer][dir]));
            TensorVector gates = g.chunk(4, 1);
            Tensor i = gates.get(0).sigmoid();
            Tensor f = gates.get(1).sigmoid();
            Tensor c = gates.get(2).tanh();
            Tensor o = gates.get(3).sigmoid();
            Tensor newCell = f.mul(cell).add(i.mul(c));
            Tensor newState = o.mul(newCell.tanh());
            if (valid != null) {
                Tensor m = valid.select(1, t); // [B,1]
                newCell = torch.where(m, newCell, cell);
                newState = torch.where(m, newState, state);
            }
            cell = newCell;
            state = newState;
            out[t] = state;
        }
        return torch.stack(new TensorVector(out), 1);
    }

    @Override
    public Tensor wordLogits(Tensor hidden) {
        return torch.linear(hidden, headW, new TensorOptional(headB));
    }
}
