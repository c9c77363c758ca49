package flatlm.lang;

import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * A downstream task on a language: classify something latent about a sentence
 * (or, for Dyck, regress the bracket count).
 */
public interface DownstreamTask {
    /** Stable name used on the command line: "hmm:6", "pcfg:A", "dyck". */
    String name();

    /** Number of classes; 0 means a regression task (labels are integer targets). */
    int numClasses();

    /**
     * The 0-based word position the label is about (hmm:K: K), if the task is about one position;
     * empty for tasks about the whole sentence or a span (pcfg, dyck). The probe's masked read uses it.
     */
    default OptionalInt wordPosition() {
        return OptionalInt.empty();
    }

    /** Draws one labelled example from the task's input distribution. */
    Example sample(RandomGenerator rng);

    /** The label of a sentence of the pre-training distribution, if the task defines one for it. */
    OptionalInt labelOf(Sentence sentence);

    /** One labelled example: the words and an integer label (class id, or target for regression). */
    record Example(int[] words, int label) {}
}
