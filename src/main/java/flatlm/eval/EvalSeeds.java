package flatlm.eval;

import java.util.SplittableRandom;

/**
 * Random streams of downstream evaluation, derived from (seed, stream) by SplitMix64 mixing.
 * The salt keeps them independent of pre-training's streams (training batches and the held-out
 * set of {@code flatlm.train.BatchSource} mix the same seeds differently).
 */
final class EvalSeeds {
    static final long SPLIT = 0x44_4F_57_4E_53_50_4CL;   // "DOWNSPL"
    static final long PROJECTION = 0x50_52_4F_4A_45_43_54L; // "PROJECT"
    static final long INIT = 0x49_4E_49_54_48_45_41_44L; // "INITHEAD"
    static final long ORDER = 0x4F_52_44_45_52L;         // "ORDER"
    private static final long SALT = 0x2545F4914F6CDD1DL;

    private EvalSeeds() {}

    /** The seed of repetition {@code index} (0-based) of a protocol with base seed {@code base}. */
    static long repetition(long base, int index) {
        return base + index;
    }

    static SplittableRandom rng(long seed, long stream) {
        return new SplittableRandom(mix(mix(seed ^ SALT) ^ mix(stream + 0x632BE59BD9B4E019L)));
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
