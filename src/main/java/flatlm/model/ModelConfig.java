package flatlm.model;

import flatlm.util.BadInputException;
import flatlm.util.Configs;
import org.bytedeco.pytorch.global.torch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Architecture of the BERT-style masked-LM transformer ({@link MlmTransformer}).
 *
 * @param vocabWords number of language words V (token ids 4..4+V-1, see {@link Tokens})
 * @param maxLength  longest sentence in words; the model has maxLength+2 learned positions
 *                   ([CLS] and [SEP] included)
 * @param d          hidden width
 * @param heads      attention heads; head size d/heads
 * @param layers     transformer blocks (0 allowed: embeddings + head only)
 * @param dInter     width of the GELU MLP
 * @param preLn      pre-LayerNorm blocks with a final LayerNorm (default, as the paper's
 *                   authors); false: post-LN blocks (original BERT), no final LayerNorm
 * @param dropout    dropout probability (default 0) on embeddings, attention probabilities,
 *                   attention and MLP outputs; only active in training mode
 * @param dtype      parameter type: FLOAT32 (default) or FLOAT64 (tests, exact checks)
 */
public record ModelConfig(int vocabWords, int maxLength, int d, int heads, int layers, int dInter,
                          boolean preLn, double dropout, DType dtype) {

    /** Parameter dtype, with its libtorch scalar type and safetensors name. */
    public enum DType {
        FLOAT32("F32", 4), FLOAT64("F64", 8);

        private final String safetensorsName;
        private final int bytes;

        DType(String safetensorsName, int bytes) {
            this.safetensorsName = safetensorsName;
            this.bytes = bytes;
        }

        public torch.ScalarType scalarType() {
            return this == FLOAT32 ? torch.ScalarType.Float : torch.ScalarType.Double;
        }

        public String safetensorsName() {
            return safetensorsName;
        }

        public int bytes() {
            return bytes;
        }

        public static DType parse(String s) {
            return switch (s.toLowerCase()) {
                case "float32", "f32", "float" -> FLOAT32;
                case "float64", "f64", "double" -> FLOAT64;
                default -> throw new BadInputException("unknown dtype '" + s + "' (expected float32 or float64)");
            };
        }
    }

    public ModelConfig {
        if (dtype == null) dtype = DType.FLOAT32;
        if (vocabWords < 1) throw new BadInputException("model vocabWords must be >= 1, got " + vocabWords);
        if (maxLength < 1) throw new BadInputException("model maxLength must be >= 1, got " + maxLength);
        if (d < 1) throw new BadInputException("model width d must be >= 1, got " + d);
        if (heads < 1) throw new BadInputException("model heads must be >= 1, got " + heads);
        if (d % heads != 0) throw new BadInputException("model width d=" + d + " is not divisible by heads=" + heads);
        if (layers < 0) throw new BadInputException("model layers must be >= 0, got " + layers);
        if (dInter < 1) throw new BadInputException("model dInter must be >= 1, got " + dInter);
        if (!(dropout >= 0 && dropout < 1)) throw new BadInputException("model dropout must be in [0,1), got " + dropout);
    }

    /** Size part of a preset: (d, heads, layers, dInter). */
    public record Size(int d, int heads, int layers, int dInter, String description) {}

    private static final Map<String, Size> PRESETS;

    static {
        Map<String, Size> m = new LinkedHashMap<>();
        // tiny CPU presets
        m.put("tiny", new Size(32, 2, 1, 64, "tests and smoke runs"));
        m.put("small", new Size(64, 4, 2, 256, "the reference's saturating CPU model (~103k parameters on V=16)"));
        m.put("base-cpu", new Size(128, 4, 2, 512, "wider CPU model"));
        m.put("base-cpu-4", new Size(128, 4, 4, 512, "wider and deeper CPU model"));
        // the paper's sizes (d, heads, layers, dInter)
        m.put("paper-64", new Size(64, 1, 1, 256, "paper size 1"));
        m.put("paper-128", new Size(128, 2, 4, 512, "paper size 2"));
        m.put("paper-192", new Size(192, 3, 5, 768, "paper size 3"));
        m.put("paper-256", new Size(256, 4, 6, 1024, "paper size 4"));
        m.put("paper-512", new Size(512, 8, 8, 2048, "paper size 5"));
        m.put("paper-768", new Size(768, 12, 12, 3072, "paper size 6 (BERT-base)"));
        m.put("paper-1024", new Size(1024, 16, 16, 4096, "paper size 7 (BERT-large)"));
        PRESETS = Collections.unmodifiableMap(m);
    }

    /** Named size presets, in order: tiny CPU presets, then the paper's sizes. */
    public static Map<String, Size> presets() {
        return PRESETS;
    }

    /** The preset {@code name} for a language of {@code vocabWords} words and sentences up to {@code maxLength}. */
    public static ModelConfig preset(String name, int vocabWords, int maxLength) {
        Size s = PRESETS.get(name);
        if (s == null) throw new BadInputException("unknown model preset '" + name + "' (known: " + String.join(", ", PRESETS.keySet()) + ")");
        return new ModelConfig(vocabWords, maxLength, s.d, s.heads, s.layers, s.dInter, true, 0.0, DType.FLOAT32);
    }

    public ModelConfig withDtype(DType t) {
        return new ModelConfig(vocabWords, maxLength, d, heads, layers, dInter, preLn, dropout, t);
    }

    public ModelConfig withPreLn(boolean p) {
        return new ModelConfig(vocabWords, maxLength, d, heads, layers, dInter, p, dropout, dtype);
    }

    public ModelConfig withDropout(double p) {
        return new ModelConfig(vocabWords, maxLength, d, heads, layers, dInter, preLn, p, dtype);
    }

    public int headSize() {
        return d / heads;
    }

    /** Number of token ids (4 special tokens + V words). */
    public int tokenVocabulary() {
        return Tokens.tokenVocabulary(vocabWords);
    }

    /** Number of learned positions: maxLength + 2 ([CLS], [SEP]). */
    public int positions() {
        return maxLength + 2;
    }

    /**
     * Number of parameters of {@link MlmTransformer} with this config:
     * embeddings (V+4)d + (n+2)d, embedding LayerNorm 2d, per block 4d²+4d (attention)
     * + 2 d dInter + dInter + d (MLP) + 4d (two LayerNorms), final LayerNorm 2d (pre-LN only),
     * output bias V (the decoder weight is tied to the word embeddings).
     */
    public long parameterCount() {
        long dd = d;
        long n = (long) tokenVocabulary() * dd + (long) positions() * dd + 2 * dd;
        long block = 4 * dd * dd + 4 * dd + 2 * dd * dInter + dInter + dd + 4 * dd;
        n += layers * block;
        if (preLn) n += 2 * dd;
        n += vocabWords;
        return n;
    }

    public String toJson() {
        return Configs.toJsonLine(this);
    }

    public static ModelConfig fromJson(String json) {
        return Configs.fromJsonLine(json, ModelConfig.class, "model config");
    }
}
