package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.FiniteTask;
import flatlm.util.BadInputException;
import flatlm.util.Shuffle;

import java.util.SplittableRandom;

/**
 * A labelled train/test split of a downstream task, drawn from the task's input distribution
 * ({@link DownstreamTask#sample}) with a seed of its own: the same (task, sizes, seed) give the
 * same split, and its stream is independent of pre-training's batches and held-out set.
 * Labels are class ids, or integer targets for a regression task ({@code numClasses == 0}).
 */
public record DownstreamSplit(String task, int numClasses, long seed,
                              int[][] trainWords, int[] trainLabels, int[][] testWords, int[] testLabels) {
    /** Default sizes for quick use (the paper draws 0.1M examples per task). */
    public static final int DEFAULT_TRAIN = 2000;
    public static final int DEFAULT_TEST = 1000;

    public boolean regression() {
        return numClasses == 0;
    }

    /**
     * The first {@code n} training examples with the same test set: the nested training sets of a
     * learning curve (the split is drawn once at the largest size).
     */
    public DownstreamSplit withTrainPrefix(int n) {
        if (n < 1 || n > trainWords.length)
            throw new BadInputException("a training prefix must have 1.." + trainWords.length + " examples, got " + n);
        return new DownstreamSplit(task, numClasses, seed, java.util.Arrays.copyOf(trainWords, n),
            java.util.Arrays.copyOf(trainLabels, n), testWords, testLabels);
    }

    /** Draws {@code train} then {@code test} examples of {@code task} from {@code seed}. */
    public static DownstreamSplit draw(DownstreamTask task, int train, int test, long seed) {
        if (train < 1) throw new BadInputException("the train split needs at least 1 example, got " + train);
        if (test < 1) throw new BadInputException("the test split needs at least 1 example, got " + test);
        SplittableRandom rng = EvalSeeds.rng(seed, EvalSeeds.SPLIT);
        if (task instanceof FiniteTask f) return drawWithoutReplacement(task, f.examples(), train, test, seed, rng);
        int[][] trw = new int[train][];
        int[] trl = new int[train];
        for (int i = 0; i < train; i++) {
            DownstreamTask.Example e = task.sample(rng);
            trw[i] = e.words();
            trl[i] = e.label();
        }
        int[][] tew = new int[test][];
        int[] tel = new int[test];
        for (int i = 0; i < test; i++) {
            DownstreamTask.Example e = task.sample(rng);
            tew[i] = e.words();
            tel[i] = e.label();
        }
        return new DownstreamSplit(task.name(), task.numClasses(), seed, trw, trl, tew, tel);
    }

    /** A task of fixed examples: a seeded shuffle (Fisher–Yates), the first {@code train} then the next {@code test}. */
    private static DownstreamSplit drawWithoutReplacement(DownstreamTask task, java.util.List<DownstreamTask.Example> all,
                                                          int train, int test, long seed, SplittableRandom rng) {
        if ((long) train + test > all.size()) {
            throw new BadInputException(task.name() + " has " + all.size() + " examples, fewer than the " + train
                + " training + " + test + " test examples asked for");
        }
        int[] order = Shuffle.permutation(all.size(), rng);
        int[][] trw = new int[train][], tew = new int[test][];
        int[] trl = new int[train], tel = new int[test];
        for (int i = 0; i < train; i++) { trw[i] = all.get(order[i]).words(); trl[i] = all.get(order[i]).label(); }
        for (int i = 0; i < test; i++) { tew[i] = all.get(order[train + i]).words(); tel[i] = all.get(order[train + i]).label(); }
        return new DownstreamSplit(task.name(), task.numClasses(), seed, trw, trl, tew, tel);
    }
}
