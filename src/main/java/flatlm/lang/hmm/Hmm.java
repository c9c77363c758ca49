package flatlm.lang.hmm;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.Vocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

/** STUB (contract for the HMM work; to be replaced by the real implementation). */
public final class Hmm implements Language {
    /** The random block-diagonal construction's parameters. */
    public record Config(int states, int words, int blocks, int length, double alpha, double leakage) {
        public static Config defaults() { return new Config(100, 200, 10, 16, 0.2, 0.0); }
    }

    public static Hmm random(Config config, long seed) {
        throw new UnsupportedOperationException("stub");
    }

    public static Hmm loadDefinition(Path dir) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    @Override public String kind() { return "hmm"; }
    @Override public Vocabulary vocabulary() { throw new UnsupportedOperationException("stub"); }
    @Override public int maxLength() { throw new UnsupportedOperationException("stub"); }
    @Override public Sentence sample(RandomGenerator rng) { throw new UnsupportedOperationException("stub"); }
    @Override public double[][] conditionals(int[] words) { throw new UnsupportedOperationException("stub"); }
    @Override public List<DownstreamTask> tasks() { throw new UnsupportedOperationException("stub"); }
    @Override public void writeDefinition(Path dir) throws IOException { throw new UnsupportedOperationException("stub"); }
}
