package flatlm.train;

/**
 * The independent random streams of one training step, {@code BatchSource.rngFor(seed, step, stream)}.
 * The numbers are part of every trained model's identity: changing one changes the bytes of every run.
 */
public final class RngStreams {
    /** The step's fresh sentences ({@link BatchSource#fresh}). */
    public static final long SENTENCES = 1;
    /** The masked positions of the step's batch ({@link Masking}). */
    public static final long MASKING = 2;
    /** The libtorch seed of the step's dropout masks. */
    public static final long DROPOUT = 3;
    /** The adversarial meta-loss's sentences ({@link Adversarial}). */
    public static final long META_LOSS = 4;
    /** The sampled labels of the step's masked contexts ({@link Algorithm#sampledLabels}). */
    public static final long LABELS = 5;

    private RngStreams() {}
}
