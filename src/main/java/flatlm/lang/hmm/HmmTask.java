package flatlm.lang.hmm;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;

import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Task "hmm:k": classify the hidden state s_k at 0-based position k (the paper's task-6 is k = 6).
 * Inputs are fresh sentences of the HMM; there are as many classes as states.
 */
public final class HmmTask implements DownstreamTask {
    private final Hmm hmm;
    private final int position;

    HmmTask(Hmm hmm, int position) {
        this.hmm = hmm;
        this.position = position;
    }

    /** The 0-based position whose hidden state is the label. */
    public int position() { return position; }

    @Override public OptionalInt wordPosition() { return OptionalInt.of(position); }

    @Override public String name() { return "hmm:" + position; }

    @Override public int numClasses() { return hmm.numStates(); }

    @Override
    public Example sample(RandomGenerator rng) {
        Sentence s = hmm.sample(rng);
        return new Example(s.words(), s.states()[position]);
    }

    /** states[k]; empty when the sentence carries no states or is too short. */
    @Override
    public OptionalInt labelOf(Sentence sentence) {
        int[] states = sentence.states();
        if (states == null || states.length <= position) return OptionalInt.empty();
        return OptionalInt.of(states[position]);
    }

    @Override public String toString() { return name(); }
}
