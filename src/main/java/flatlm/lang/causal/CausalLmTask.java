package flatlm.lang.causal;

import flatlm.lang.DownstreamTask;
import flatlm.lang.PosteriorTask;
import flatlm.lang.Sentence;

import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Task {@code causal-lm:class}: the hidden control prefix c that generated the sentence
 * (K classes, uniform prior). Its Bayes-optimal classifier is argmax_c q(x | BOS c).
 */
final class CausalLmTask implements DownstreamTask, PosteriorTask {
    private final CausalLm lm;

    CausalLmTask(CausalLm lm) {
        this.lm = lm;
    }

    @Override public String name() { return CausalLm.CLASS_TASK; }

    @Override public int numClasses() { return lm.components(); }

    @Override
    public Example sample(RandomGenerator rng) {
        Sentence s = lm.sample(rng);
        return new Example(s.words(), s.states()[0]);
    }

    /** The class stored in the sentence's states (every position holds c). */
    @Override
    public OptionalInt labelOf(Sentence sentence) {
        int[] states = sentence.states();
        return states == null || states.length == 0 ? OptionalInt.empty() : OptionalInt.of(states[0]);
    }

    @Override
    public double[] posterior(int[] words) {
        return lm.classPosterior(words);
    }

    @Override public String toString() { return name(); }
}
