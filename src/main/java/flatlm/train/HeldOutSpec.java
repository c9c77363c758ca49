package flatlm.train;

import flatlm.eval.ExactLoss;
import flatlm.lang.Language;
import flatlm.lang.Sentence;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The held-out set of the exact loss: {@code sentences} sentences of the language drawn with
 * {@code seed}, a stream independent of the training seed. One spec, read by the trainer
 * ({@code data.evalSentences}, {@code data.evalSeed}: metrics.jsonl), the measurer
 * ({@code measure.evalSentences}, {@code measure.evalSeed}: results.csv; a plan gives its runs this
 * same set, so both files give one KL for one checkpoint) and {@code flatlm eval-loss} (by default
 * the checkpoint's run's set, {@link OpenedCheckpoint#heldOut}); the same spec gives the same sentences.
 */
public record HeldOutSpec(int sentences, long seed) {
    /** The default held-out seed of training, measurement and eval-loss. */
    public static final long DEFAULT_SEED = 12345;
    /** The default held-out size of training and measurement (eval-loss defaults to more). */
    public static final int DEFAULT_SENTENCES = 256;
    /** The default held-out set. */
    public static final HeldOutSpec DEFAULT = new HeldOutSpec(DEFAULT_SENTENCES, DEFAULT_SEED);

    /** The held-out sentences. */
    public List<Sentence> sample(Language language) {
        return language.sample(sentences, new SplittableRandom(BatchSource.mix(seed ^ 0x5DEECE66DL)));
    }

    /** The held-out sentences with their exact conditionals, ready for {@link ExactLoss#evaluate}. */
    public ExactLoss.HeldOut build(Language language) {
        return ExactLoss.HeldOut.of(language, sample(language));
    }
}
