package flatlm.lang.causal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DefinitionFiles;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded random OPT generator written as a Hugging Face directory ({@code flatlm lm random}):
 * the default generator of the causal-lm language when no checkpoint is at hand.
 *
 * <p>Token ids: 0 {@code <s>} (BOS), 1 {@code <pad>}, 2 {@code </s>}, 3 {@code <unk>} (OPT's
 * layout), then the words {@code w0..w{V-1}} at ids 4..V+3, then K control tokens
 * {@code <c0>..<c{K-1}>} (the hidden class prefixes). Weights: token embeddings and learned
 * positions N(0, 1); every Linear W ~ N(0, 1/fan_in) with bias 0 (activations keep unit scale
 * through the layers); LayerNorms weight 1, bias 0, except the final LayerNorm, whose weight is
 * σ_logit/√d so that a logit h·e_v has standard deviation about σ_logit: the sharpness of the
 * next-token distributions, hence the language's entropy (the sampling temperature divides it
 * again). The head is untied by default (a separate N(0, 1) {@code lm_head}): a tied head
 * scores the current token's own embedding highest, which makes repetition dominate.
 * Draw order: embeddings, positions, then layer by layer q, k, v, out, fc1, fc2, then lm_head.
 */
public final class RandomOpt {
    /** The defaults of {@code flatlm lm random} and of the built-in generator {@code language.generator: random}. */
    public static final int DEFAULT_WORDS = 200, DEFAULT_LAYERS = 2, DEFAULT_HIDDEN = 64, DEFAULT_HEADS = 4,
        DEFAULT_FFN = 256, DEFAULT_MAX_POSITIONS = 64;
    public static final double DEFAULT_LOGIT_STD = 2;

    /** Sizes and sharpness of a random generator. */
    public record Shape(int words, int controls, int layers, int hidden, int heads, int ffn, int maxPositions,
                        double logitStd, boolean tied) {
        public Shape {
            if (words < 2) throw new BadInputException("lm random: --words must be >= 2, got " + words);
            if (controls < 0) throw new BadInputException("lm random: --controls must be >= 0, got " + controls);
            if (layers < 1 || hidden < 1 || heads < 1 || ffn < 1 || maxPositions < 2) {
                throw new BadInputException("lm random: --layers, --hidden, --heads, --ffn must be >= 1 and --max-positions >= 2");
            }
            if (hidden % heads != 0) {
                throw new BadInputException("lm random: --hidden " + hidden + " is not a multiple of --heads " + heads);
            }
            if (!(logitStd > 0) || Double.isInfinite(logitStd)) {
                throw new BadInputException("lm random: --logit-std must be positive and finite, got " + logitStd);
            }
            requireFits(words, controls, layers, hidden, ffn, maxPositions, tied);
        }

        /**
         * A one-line error for sizes that cannot be held: a weight matrix past one Java array
         * (2^31 - 1 entries), or weights (8 bytes each while drawn) past this JVM's heap.
         */
        private static void requireFits(int words, int controls, int layers, int hidden, int ffn, int maxPositions, boolean tied) {
            long v = (long) SPECIAL + words + controls, d = hidden, f = ffn, p = (long) maxPositions + OptConfig.POSITION_OFFSET;
            long largest = Math.max(Math.max(v * d, p * d), Math.max(f * d, d * d));
            if (v > Integer.MAX_VALUE - 8 || largest > Integer.MAX_VALUE - 8)
                throw new BadInputException("lm random: a weight matrix would have " + largest + " entries (vocabulary " + v + " x hidden "
                    + d + "); one array holds at most 2^31 - 1: fewer --words/--controls or a smaller --hidden/--ffn/--max-positions");
            long params = v * d * (tied ? 1 : 2) + p * d + layers * (4 * d * d + 2 * f * d + 9 * d + f) + 2 * d;
            double gib = params * 8.0 / (1L << 30), heap = Runtime.getRuntime().maxMemory() / (double) (1L << 30);
            if (gib > heap)
                throw new BadInputException(String.format("lm random: %d weights need about %.1f GiB while drawn; this JVM may use "
                    + "%.1f GiB (fewer --words or a smaller --hidden, or a larger -Xmx in FLATLM_JAVA_OPTS)", params, gib, heap));
        }

        /** Ids before the words: {@code <s> <pad> </s> <unk>}. */
        public static final int SPECIAL = 4;

        public int vocabSize() { return SPECIAL + words + controls; }

        /** The token id of control token c. */
        public int controlId(int c) { return SPECIAL + words + c; }

        /** The ids of all control tokens. */
        public int[] controlIds() {
            int[] out = new int[controls];
            for (int c = 0; c < controls; c++) out[c] = controlId(c);
            return out;
        }
    }

    /** The built-in generator {@code language.generator: random}: a shape and the seed of its weights. */
    public record Seeded(Shape shape, long seed) {}

    /** A generator in memory: its config, tensors (HF names, values rounded to float32 as written) and vocab.json. */
    record Generated(OptConfig config, Map<String, HfTensors.Tensor> tensors, Map<Integer, String> vocab) {}

    private RandomOpt() {}

    /** Writes config.json, model.safetensors (float32) and vocab.json into {@code dir}; same seed, same bytes. */
    public static void write(Path dir, Shape s, long seed) throws IOException {
        Generated g = generate(s, seed);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode config = g.config().toJson();
        config.put("flatlm_generator", "random seed " + seed + ", logit std " + s.logitStd());
        DefinitionFiles.writeAtomically(dir, OptConfig.FILE, json.writeValueAsBytes(config));
        HfTensors.write(dir.resolve(OptModel.WEIGHTS), g.tensors(), false);
        ObjectNode vocab = json.createObjectNode();
        g.vocab().forEach((id, name) -> vocab.put(name, id));
        DefinitionFiles.writeAtomically(dir, CausalLmDefinition.VOCAB_JSON, json.writeValueAsBytes(vocab));
    }

    /** The generator {@link #write} writes, in memory: the same model, so the same language. */
    static OptModel model(Generated g) {
        return OptModel.of(g.config(), g.tensors(), Path.of("random generator"));
    }

    /** The config, weights (float32 values, in the draw order of the class comment) and token names. */
    static Generated generate(Shape s, long seed) {
        OptConfig c = new OptConfig(s.vocabSize(), s.hidden(), s.layers(), s.heads(), s.ffn(), s.maxPositions(),
            true, true, true, true, s.tied(), 0, 2, 1);
        SplittableRandom rng = new SplittableRandom(seed);
        int d = s.hidden(), V = s.vocabSize(), F = s.ffn();
        Map<String, HfTensors.Tensor> t = new LinkedHashMap<>();
        t.put("decoder.embed_tokens.weight", gauss(rng, 1.0, V, d));
        t.put("decoder.embed_positions.weight", gauss(rng, 1.0, s.maxPositions() + OptConfig.POSITION_OFFSET, d));
        for (int l = 0; l < s.layers(); l++) {
            String p = "decoder.layers." + l + ".";
            for (String m : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                t.put(p + "self_attn." + m + ".weight", gauss(rng, 1 / Math.sqrt(d), d, d));
                t.put(p + "self_attn." + m + ".bias", constant(0, d));
            }
            t.put(p + "self_attn_layer_norm.weight", constant(1, d));
            t.put(p + "self_attn_layer_norm.bias", constant(0, d));
            t.put(p + "fc1.weight", gauss(rng, 1 / Math.sqrt(d), F, d));
            t.put(p + "fc1.bias", constant(0, F));
            t.put(p + "fc2.weight", gauss(rng, 1 / Math.sqrt(F), d, F));
            t.put(p + "fc2.bias", constant(0, d));
            t.put(p + "final_layer_norm.weight", constant(1, d));
            t.put(p + "final_layer_norm.bias", constant(0, d));
        }
        t.put("decoder.final_layer_norm.weight", constant(s.logitStd() / Math.sqrt(d), d));
        t.put("decoder.final_layer_norm.bias", constant(0, d));
        if (!s.tied()) t.put("lm_head.weight", gauss(rng, 1.0, V, d));
        Map<Integer, String> vocab = new LinkedHashMap<>();
        vocab.put(0, "<s>");
        vocab.put(1, "<pad>");
        vocab.put(2, "</s>");
        vocab.put(3, "<unk>");
        for (int w = 0; w < s.words(); w++) vocab.put(Shape.SPECIAL + w, "w" + w);
        for (int k = 0; k < s.controls(); k++) vocab.put(s.controlId(k), "<c" + k + ">");
        return new Generated(c, t, vocab);
    }

    private static HfTensors.Tensor gauss(SplittableRandom rng, double std, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (std * rng.nextGaussian()); // float32, as written
        return new HfTensors.Tensor(new long[] {rows, cols}, v);
    }

    private static HfTensors.Tensor constant(double value, int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, (float) value);
        return new HfTensors.Tensor(new long[] {n}, v);
    }
}
