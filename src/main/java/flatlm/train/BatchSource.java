package flatlm.train;

import flatlm.data.Corpus;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The sentences of training step t: a pure function of (seed, t), so a resumed run draws
 * exactly the batches an uninterrupted one would. Fresh samples from the language (the
 * population loss of the theory) or consecutive sentences of a corpus, wrapping around.
 */
public abstract class BatchSource {
    /** Random generator of step t (batch sampling, masking): independent streams per step. */
    public static SplittableRandom rngFor(long seed, long step, long stream) {
        return new SplittableRandom(mix(mix(seed) ^ (step * 0x9E3779B97F4A7C15L) ^ mix(stream + 0x632BE59BD9B4E019L)));
    }

    public abstract int[][] sentences(long step, int batchSize);

    public static BatchSource fresh(Language language, long seed) {
        return new BatchSource() {
            @Override
            public int[][] sentences(long step, int batchSize) {
                SplittableRandom rng = rngFor(seed, step, 1);
                int[][] out = new int[batchSize][];
                for (int b = 0; b < batchSize; b++) out[b] = language.sample(rng).words();
                return out;
            }
        };
    }

    /** All sentences of a corpus, kept in memory (the corpus is verified first). */
    public static BatchSource corpus(Path dir) throws IOException {
        Corpus corpus = Corpus.open(dir);
        corpus.verify();
        List<int[]> all = new ArrayList<>();
        corpus.forEach(row -> all.add(row.words()));
        if (all.isEmpty()) throw new BadInputException(dir + ": the corpus has no sentences");
        int[][] sentences = all.toArray(new int[0][]);
        return new BatchSource() {
            @Override
            public int[][] sentences(long step, int batchSize) {
                int[][] out = new int[batchSize][];
                long start = step * batchSize;
                for (int b = 0; b < batchSize; b++) out[b] = sentences[(int) ((start + b) % sentences.length)];
                return out;
            }
        };
    }

    /** Held-out sentences with an independent seed. */
    public static List<Sentence> heldOut(Language language, int n, long seed) {
        return language.sample(n, new SplittableRandom(mix(seed ^ 0x5DEECE66DL)));
    }

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
