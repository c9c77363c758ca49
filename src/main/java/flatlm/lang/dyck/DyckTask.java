package flatlm.lang.dyck;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;

import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Task "dyck" (paper Section 6): n brackets i.i.d. uniform, target #"(" − #")", a regression
 * (numClasses() = 0) learned with squared loss.
 */
public final class DyckTask implements DownstreamTask {
    private final int n;

    DyckTask(int n) {
        this.n = n;
    }

    @Override public String name() { return "dyck"; }

    @Override public int numClasses() { return 0; }

    @Override
    public Example sample(RandomGenerator rng) {
        int[] words = new int[n];
        for (int i = 0; i < n; i++) words[i] = rng.nextBoolean() ? Dyck.OPEN : Dyck.CLOSE;
        return new Example(words, count(words));
    }

    /** #"(" − #")" of the sentence (0 for every balanced string). */
    @Override
    public OptionalInt labelOf(Sentence sentence) {
        return OptionalInt.of(count(sentence.words()));
    }

    /** Σ_i (+1 for "(", −1 for ")"). */
    public static int count(int[] words) {
        int c = 0;
        for (int i = 0; i < words.length; i++) c += Dyck.step(words[i], i);
        return c;
    }

    @Override public String toString() { return name(); }
}
