package flatlm.model;

import flatlm.util.BadInputException;
import flatlm.util.Configs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Architecture of the bidirectional LSTM masked-LM ({@link MlmLstm}).
 *
 * @param vocabWords number of language words V
 * @param maxLength  longest sentence in words
 * @param embed      token-embedding width
 * @param hidden     LSTM state width per direction (final hidden states have 2·hidden)
 * @param layers     stacked bidirectional layers (>= 1)
 * @param dropout    dropout on embeddings and between layers (training mode only), default 0
 * @param dtype      FLOAT32 (default) or FLOAT64
 */
public record LstmConfig(int vocabWords, int maxLength, int embed, int hidden, int layers, double dropout,
                         ModelConfig.DType dtype) {
    public LstmConfig {
        if (dtype == null) dtype = ModelConfig.DType.FLOAT32;
        if (vocabWords < 1) throw new BadInputException("lstm vocabWords must be >= 1, got " + vocabWords);
        if (maxLength < 1) throw new BadInputException("lstm maxLength must be >= 1, got " + maxLength);
        if (embed < 1) throw new BadInputException("lstm embed must be >= 1, got " + embed);
        if (hidden < 1) throw new BadInputException("lstm hidden must be >= 1, got " + hidden);
        if (layers < 1) throw new BadInputException("lstm layers must be >= 1, got " + layers);
        if (!(dropout >= 0 && dropout < 1)) throw new BadInputException("lstm dropout must be in [0,1), got " + dropout);
    }

    /** Size part of a preset: (embed, hidden, layers). */
    public record Size(int embed, int hidden, int layers, String description) {}

    private static final Map<String, Size> PRESETS;

    static {
        Map<String, Size> m = new LinkedHashMap<>();
        m.put("lstm-tiny", new Size(16, 16, 1, "tests"));
        m.put("lstm-small", new Size(64, 64, 1, "one bidirectional layer"));
        m.put("lstm-base", new Size(128, 128, 2, "two bidirectional layers"));
        m.put("lstm-large", new Size(256, 256, 2, "wide"));
        PRESETS = Collections.unmodifiableMap(m);
    }

    public static Map<String, Size> presets() {
        return PRESETS;
    }

    public static LstmConfig preset(String name, int vocabWords, int maxLength) {
        Size s = PRESETS.get(name);
        if (s == null) throw new BadInputException("unknown LSTM preset '" + name + "' (known: " + String.join(", ", PRESETS.keySet()) + ")");
        return new LstmConfig(vocabWords, maxLength, s.embed, s.hidden, s.layers, 0.0, ModelConfig.DType.FLOAT32);
    }

    public LstmConfig withDtype(ModelConfig.DType t) {
        return new LstmConfig(vocabWords, maxLength, embed, hidden, layers, dropout, t);
    }

    public LstmConfig withDropout(double p) {
        return new LstmConfig(vocabWords, maxLength, embed, hidden, layers, p, dtype);
    }

    /**
     * Number of parameters of {@link MlmLstm}: embeddings (V+4)·e; per layer and direction
     * 4h·in + 4h·h + 4h (in = e for layer 0, 2h above); head V·2h + V.
     */
    public long parameterCount() {
        long h = hidden;
        long n = (long) Tokens.tokenVocabulary(vocabWords) * embed;
        for (int l = 0; l < layers; l++) {
            long in = l == 0 ? embed : 2 * h;
            n += 2 * (4 * h * in + 4 * h * h + 4 * h);
        }
        n += (long) vocabWords * 2 * h + vocabWords;
        return n;
    }

    public String toJson() {
        return Configs.toJsonLine(this);
    }

    public static LstmConfig fromJson(String json) {
        return Configs.fromJsonLine(json, LstmConfig.class, "LSTM config");
    }
}
