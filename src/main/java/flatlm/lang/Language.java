package flatlm.lang;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A language whose masked-LM conditionals are known exactly (SPEC.md section 1).
 * Experiments use this interface without knowing which language is behind it.
 * Words are ids {@code 0..vocabulary().size()-1}; special tokens belong to models, not languages.
 */
public interface Language {
    /** Kind of language: "pcfg", "hmm", "dyck". */
    String kind();

    Vocabulary vocabulary();

    /** Longest sentence this language can produce. */
    int maxLength();

    /** Draws one sentence with its latent structure. */
    Sentence sample(RandomGenerator rng);

    default List<Sentence> sample(int n, RandomGenerator rng) {
        List<Sentence> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(sample(rng));
        return out;
    }

    /**
     * Exact MLM conditionals for every position in one pass:
     * {@code result[i][v] = p*(x_i = v | x_-i, n)} where n is the sentence length.
     * Each row sums to 1. Throws {@link IllegalArgumentException} if the sentence has
     * probability zero under the language.
     */
    double[][] conditionals(int[] words);

    /**
     * The conditional of one position, {@code conditionals(words)[position]}; a language whose
     * rows cost separately (causal-lm) computes only this one.
     */
    default double[] conditional(int[] words, int position) {
        return conditionals(words)[position];
    }

    /** Downstream tasks defined on this language (names like "hmm:6", "pcfg:A", "dyck"). */
    List<DownstreamTask> tasks();

    /**
     * Every valid task name, for a user: the names of {@link #tasks()}, or a range where tasks
     * are numbered ({@code hmm:0 … hmm:7}).
     */
    default String taskNames() {
        return String.join(", ", tasks().stream().map(DownstreamTask::name).toList());
    }

    /** The task of that name; {@code file:PATH} is a user's labelled sentences ({@link LabelledFileTask}) for any language. */
    default DownstreamTask task(String name) {
        if (name.startsWith(LabelledFileTask.PREFIX)) return LabelledFileTask.read(Path.of(name.substring(LabelledFileTask.PREFIX.length())), this);
        for (DownstreamTask t : tasks()) if (t.name().equals(name)) return t;
        throw new IllegalArgumentException("unknown task '" + name + "' for " + kind() + " (known: " + taskNames() + ")");
    }

    /** Writes the language's definition (rules, matrices) into {@code dir}, so it can be reloaded. */
    void writeDefinition(Path dir) throws IOException;
}
