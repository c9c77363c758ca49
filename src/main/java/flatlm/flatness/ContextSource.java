package flatlm.flatness;

import flatlm.lang.Language;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The distribution of the pre-training loss whose Hessian is measured: i.i.d. masked contexts.
 * {@link #of(Language)} is the paper's single-mask MLM loss (a sentence from the language, one
 * position uniform: the weights of {@link flatlm.eval.SingleMaskLoss}, the same loss as the exact
 * loss of saturation); a {@link ContextSet} is a finite (weighted) set, for exact checks.
 */
public interface ContextSource {
    /**
     * Draws {@code n} contexts i.i.d.; with {@code needTruth} each carries its exact conditional
     * (throws {@link IllegalStateException} when the source has none).
     */
    List<MaskedContext> draw(int n, RandomGenerator rng, boolean needTruth);

    /** Whether contexts can carry their exact conditional p*. */
    boolean hasTruth();

    /** Sentences sampled from {@code language}, the masked position uniform over each sentence. */
    static ContextSource of(Language language) {
        return new ContextSource() {
            @Override
            public List<MaskedContext> draw(int n, RandomGenerator rng, boolean needTruth) {
                List<MaskedContext> out = new ArrayList<>(n);
                while (out.size() < n) {
                    int[] words = language.sample(rng).words();
                    if (words.length == 0) continue;
                    int i = rng.nextInt(words.length);
                    out.add(new MaskedContext(words, i, needTruth ? language.conditionals(words)[i] : null));
                }
                return out;
            }

            @Override
            public boolean hasTruth() {
                return true;
            }
        };
    }
}
