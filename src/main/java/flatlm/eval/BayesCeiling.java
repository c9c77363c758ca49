package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.PosteriorTask;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.hmm.HmmTask;
import flatlm.lang.pcfg.PcfgTask;

import java.util.OptionalDouble;

/**
 * The accuracy of the Bayes-optimal classifier on given examples: the ceiling of any probe.
 * <ul>
 * <li>HMM task-k: argmax_s P(s_k = s | x) by forward–backward ({@link Hmm#posteriorStates}),
 *     compared with the sampled state (the label is latent, so the ceiling is below 1).</li>
 * <li>Tasks with an exact posterior ({@link PosteriorTask}, e.g. causal-lm:class): argmax_k P(k | x).</li>
 * <li>PCFG tasks: 1, the label is a deterministic function of the sentence.</li>
 * <li>Regression (Dyck): none (the target is a deterministic function too: MSE 0).</li>
 * </ul>
 */
public final class BayesCeiling {
    private BayesCeiling() {}

    public static OptionalDouble accuracy(Language language, DownstreamTask task, int[][] words, int[] labels) {
        if (words.length == 0 || task.numClasses() == 0) return OptionalDouble.empty();
        if (task instanceof HmmTask ht && language instanceof Hmm hmm) {
            int k = ht.position();
            int hits = 0;
            for (int r = 0; r < words.length; r++) {
                double[] post = hmm.posteriorStates(words[r])[k];
                int best = 0;
                for (int s = 1; s < post.length; s++) if (post[s] > post[best]) best = s;
                if (best == labels[r]) hits++;
            }
            return OptionalDouble.of((double) hits / words.length);
        }
        if (task instanceof PosteriorTask pt) {
            int hits = 0;
            for (int r = 0; r < words.length; r++) {
                double[] post = pt.posterior(words[r]);
                int best = 0;
                for (int k = 1; k < post.length; k++) if (post[k] > post[best]) best = k;
                if (best == labels[r]) hits++;
            }
            return OptionalDouble.of((double) hits / words.length);
        }
        if (task instanceof PcfgTask) return OptionalDouble.of(1.0);
        return OptionalDouble.empty();
    }

    /** The ceiling on a split's test examples, NaN when unknown. */
    public static double onTest(Language language, DownstreamTask task, DownstreamSplit split) {
        return language == null ? Double.NaN
            : accuracy(language, task, split.testWords(), split.testLabels()).orElse(Double.NaN);
    }
}
