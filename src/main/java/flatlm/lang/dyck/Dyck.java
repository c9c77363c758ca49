package flatlm.lang.dyck;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.Vocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

/** STUB (contract for the Dyck work; to be replaced by the real implementation). */
public final class Dyck implements Language {
    public Dyck(int n) {
        throw new UnsupportedOperationException("stub");
    }

    public static Dyck loadDefinition(Path dir) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    @Override public String kind() { return "dyck"; }
    @Override public Vocabulary vocabulary() { throw new UnsupportedOperationException("stub"); }
    @Override public int maxLength() { throw new UnsupportedOperationException("stub"); }
    @Override public Sentence sample(RandomGenerator rng) { throw new UnsupportedOperationException("stub"); }
    @Override public double[][] conditionals(int[] words) { throw new UnsupportedOperationException("stub"); }
    @Override public List<DownstreamTask> tasks() { throw new UnsupportedOperationException("stub"); }
    @Override public void writeDefinition(Path dir) throws IOException { throw new UnsupportedOperationException("stub"); }
}
