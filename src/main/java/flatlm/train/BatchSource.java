package flatlm.train;

import flatlm.data.Corpus;
import flatlm.lang.Language;
import flatlm.eval.LanguageCheck;
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
                SplittableRandom rng = rngFor(seed, step, RngStreams.SENTENCES);
                int[][] out = new int[batchSize][];
                for (int b = 0; b < batchSize; b++) out[b] = language.sample(rng).words();
                return out;
            }
        };
    }

    /**
     * All sentences of a corpus, kept in memory. The corpus is verified first (checksums), and
     * must be of {@code language}, the run's: the same language by {@link LanguageCheck#requireSame}
     * (a corpus of another language seed would train silently while KL is measured against the
     * config's), every sentence within its length and vocabulary. One-line errors, before
     * anything of the run is written.
     */
    public static BatchSource corpus(Path dir, Language language) throws IOException {
        Corpus corpus = Corpus.open(dir);
        corpus.verify();
        LanguageCheck.requireSame(language, corpus.language(), "the config's language (" + language.kind() + ")",
            "--data.corpus " + dir);
        List<int[]> all = new ArrayList<>();
        int v = language.vocabulary().size();
        corpus.forEach(row -> {
            int[] w = row.words();
            if (w.length > language.maxLength())
                throw new BadInputException(dir + ": sentence " + all.size() + " has " + w.length + " words, the language at most "
                    + language.maxLength());
            for (int x : w)
                if (x < 0 || x >= v) throw new BadInputException(dir + ": sentence " + all.size() + " has word id " + x
                    + ", outside the language's " + v + " words");
            all.add(w);
        });
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

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
