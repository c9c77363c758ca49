package flatlm.lang.pcfg;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.Vocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

/** STUB (contract for the PCFG work; to be replaced by the real implementation). */
public final class Pcfg implements Language {
    /** How task labels B and C pick "the most likely nonterminal" of a span. */
    public enum LabelMode { INSIDE, POSTERIOR }

    /** Loads the authors' rule-file format; renormalize forces renormalisation of large deviations. */
    public static Pcfg load(Path ruleFile, boolean renormalize) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** A random grammar of the authors' shape (see SPEC.md section 1), from a seed. */
    public static Pcfg random(long seed) {
        throw new UnsupportedOperationException("stub");
    }

    /** Reloads a grammar written by {@link #writeDefinition}. */
    public static Pcfg loadDefinition(Path dir) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    public Pcfg withLabelMode(LabelMode mode) {
        throw new UnsupportedOperationException("stub");
    }

    @Override public String kind() { return "pcfg"; }
    @Override public Vocabulary vocabulary() { throw new UnsupportedOperationException("stub"); }
    @Override public int maxLength() { throw new UnsupportedOperationException("stub"); }
    @Override public Sentence sample(RandomGenerator rng) { throw new UnsupportedOperationException("stub"); }
    @Override public double[][] conditionals(int[] words) { throw new UnsupportedOperationException("stub"); }
    @Override public List<DownstreamTask> tasks() { throw new UnsupportedOperationException("stub"); }
    @Override public void writeDefinition(Path dir) throws IOException { throw new UnsupportedOperationException("stub"); }
}
