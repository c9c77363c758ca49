package flatlm.lang;

/**
 * A classification task whose label is latent with a computable exact posterior
 * P(label = k | words); {@code eval.BayesCeiling} scores argmax_k of it.
 */
public interface PosteriorTask {
    /** P(label = k | words) for k = 0..numClasses−1. */
    double[] posterior(int[] words);
}
