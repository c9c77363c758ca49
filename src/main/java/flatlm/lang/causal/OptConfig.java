package flatlm.lang.causal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fields of a Hugging Face OPT {@code config.json} that the forward pass uses, with the
 * defaults of transformers' {@code OPTConfig}. Only {@code model_type: opt} with
 * {@code word_embed_proj_dim == hidden_size} (no project_in/out, i.e. not opt-350m) and a ReLU
 * MLP is accepted; anything else is refused by name.
 */
public record OptConfig(int vocabSize, int hidden, int layers, int heads, int ffn, int maxPositions,
                        boolean preLayerNorm, boolean finalLayerNorm, boolean bias, boolean affineLayerNorm,
                        boolean tiedHead, int bosTokenId, int eosTokenId, int padTokenId) {
    /** OPT's learned positions are looked up at position + 2 (fairseq's padding offset). */
    public static final int POSITION_OFFSET = 2;
    public static final String FILE = "config.json";

    public int headDim() { return hidden / heads; }

    /** Reads and validates {@code dir/config.json}; one-line BadInputException naming the file and key. */
    public static OptConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) throw new BadInputException(dir + ": not a generator directory (no " + FILE + ")");
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file + ": not valid JSON");
        }
        if (c == null || !c.isObject()) throw new BadInputException(file + ": expected a JSON object");
        String type = c.path("model_type").asText("");
        if (!type.equals("opt")) {
            throw new BadInputException(file + ": model_type '" + type + "' is not supported (supported: opt)");
        }
        String act = c.path("activation_function").asText("relu");
        if (!act.equals("relu")) {
            throw new BadInputException(file + ": activation_function '" + act + "' is not supported (OPT uses relu)");
        }
        int hidden = positive(file, c, "hidden_size", -1);
        int proj = positive(file, c, "word_embed_proj_dim", hidden);
        if (proj != hidden) {
            throw new BadInputException(file + ": word_embed_proj_dim " + proj + " != hidden_size " + hidden
                + " (project_in/project_out, as in opt-350m) is not supported");
        }
        int heads = positive(file, c, "num_attention_heads", -1);
        if (hidden % heads != 0) {
            throw new BadInputException(file + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        boolean pre = c.path("do_layer_norm_before").asBoolean(true);
        boolean removeFinal = c.path("_remove_final_layer_norm").asBoolean(false);
        return new OptConfig(positive(file, c, "vocab_size", -1), hidden, positive(file, c, "num_hidden_layers", -1),
            heads, positive(file, c, "ffn_dim", -1), positive(file, c, "max_position_embeddings", -1),
            pre, pre && !removeFinal, c.path("enable_bias").asBoolean(true),
            c.path("layer_norm_elementwise_affine").asBoolean(true), c.path("tie_word_embeddings").asBoolean(true),
            tokenId(file, c, "bos_token_id", 2), tokenId(file, c, "eos_token_id", 2), tokenId(file, c, "pad_token_id", 1));
    }

    /** This config as an OPT {@code config.json} (what {@link #read} reads back). */
    public ObjectNode toJson() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("OPTForCausalLM");
        c.put("model_type", "opt");
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hidden);
        c.put("word_embed_proj_dim", hidden);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("ffn_dim", ffn);
        c.put("max_position_embeddings", maxPositions);
        c.put("do_layer_norm_before", preLayerNorm);
        if (preLayerNorm && !finalLayerNorm) c.put("_remove_final_layer_norm", true);
        c.put("enable_bias", bias);
        c.put("layer_norm_elementwise_affine", affineLayerNorm);
        c.put("tie_word_embeddings", tiedHead);
        c.put("activation_function", "relu");
        c.put("bos_token_id", bosTokenId);
        c.put("eos_token_id", eosTokenId);
        c.put("pad_token_id", padTokenId);
        return c;
    }

    private static int positive(Path file, JsonNode c, String key, int dflt) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) {
            if (dflt > 0) return dflt;
            throw new BadInputException(file + ": missing " + key);
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
            throw new BadInputException(file + ": " + key + " must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    private static int tokenId(Path file, JsonNode c, String key, int dflt) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return dflt;
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new BadInputException(file + ": " + key + " must be an integer");
        return n.asInt();
    }
}
