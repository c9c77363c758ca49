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
        }

        /** Ids before the words: {@code <s> <pad> </s> <unk>}. */
        public static final int SPECIAL = 4;

        public int vocabSize() { return SPECIAL + words + controls; }

        /** The token id of control token c. */
        public int controlId(int c) { return SPECIAL + words + c; }
    }

    private RandomOpt() {}

    /** Writes config.json, model.safetensors (float32) and vocab.json into {@code dir}; same seed, same bytes. */
    public static void write(Path dir, Shape s, long seed) throws IOException {
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

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode config = c.toJson();
        config.put("flatlm_generator", "random seed " + seed + ", logit std " + s.logitStd());
        DefinitionFiles.writeAtomically(dir, OptConfig.FILE, json.writeValueAsBytes(config));
        HfTensors.write(dir.resolve(OptModel.WEIGHTS), t, false);
        ObjectNode vocab = json.createObjectNode();
        vocab.put("<s>", 0).put("<pad>", 1).put("</s>", 2).put("<unk>", 3);
        for (int w = 0; w < s.words(); w++) vocab.put("w" + w, Shape.SPECIAL + w);
        for (int k = 0; k < s.controls(); k++) vocab.put("<c" + k + ">", s.controlId(k));
        DefinitionFiles.writeAtomically(dir, CausalLmDefinition.VOCAB_JSON, json.writeValueAsBytes(vocab));
    }

    private static HfTensors.Tensor gauss(SplittableRandom rng, double std, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = std * rng.nextGaussian();
        return new HfTensors.Tensor(new long[] {rows, cols}, v);
    }

    private static HfTensors.Tensor constant(double value, int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, value);
        return new HfTensors.Tensor(new long[] {n}, v);
    }
}
