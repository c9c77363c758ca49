package flatlm.eval;

/**
 * Maps sentences (word ids) to fixed-length feature vectors for the linear probe: the frozen
 * model's hidden states ({@link ModelFeatures}) or the exact conditionals ({@link LookupTable}).
 */
public interface FeatureExtractor {
    /** Number of features per sentence. */
    int dimension();

    /** Features of every sentence, one row each. */
    FeatureMatrix extract(int[][] sentences);

    /** What the features are (for reports): "model", "lookup". */
    String kind();

    /** Settings that change the features beyond {@link #kind} (the layer and read of a model), for results; empty by default. */
    default java.util.Map<String, Object> settings() {
        return java.util.Map.of();
    }
}
