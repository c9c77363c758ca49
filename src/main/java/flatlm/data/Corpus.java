package flatlm.data;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.lang.Language;
import flatlm.lang.Languages;
import flatlm.util.Checksums;
import flatlm.util.BadInputException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/** A corpus directory written by {@link CorpusWriter}: its manifest, language and sentences. */
public final class Corpus {
    private final Path dir;
    private final CorpusManifest manifest;

    private Corpus(Path dir, CorpusManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** Opens a corpus directory, reading its manifest (fails with a one-line error if absent or malformed). */
    public static Corpus open(Path dir) throws IOException {
        Path m = dir.resolve(CorpusWriter.MANIFEST);
        if (!Files.isRegularFile(m)) {
            throw new BadInputException(dir + ": not a corpus directory (no " + CorpusWriter.MANIFEST + ")");
        }
        CorpusManifest manifest;
        try {
            manifest = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(m.toFile(), CorpusManifest.class);
        } catch (IOException e) {
            throw new BadInputException(m + ": malformed manifest (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (!CorpusManifest.FORMAT.equals(manifest.format())) {
            throw new BadInputException(m + ": unsupported format '" + manifest.format() + "'");
        }
        return new Corpus(dir, manifest);
    }

    public CorpusManifest manifest() {
        return manifest;
    }

    public Language language() throws IOException {
        return Languages.load(dir);
    }

    /** Recomputes every checksum; throws naming the first file that is missing or differs. */
    public void verify() throws IOException {
        for (CorpusManifest.FileEntry f : manifest.definition()) check(f);
        for (CorpusManifest.Shard s : manifest.shards()) {
            check(s.words());
            check(s.labels());
            if (s.states() != null) check(s.states());
        }
    }

    private void check(CorpusManifest.FileEntry f) throws IOException {
        Path p = dir.resolve(f.file());
        if (!Files.isRegularFile(p)) throw new BadInputException(p + ": missing (listed in the manifest)");
        String actual = Checksums.sha256(p);
        if (!actual.equals(f.sha256())) {
            throw new BadInputException(p + ": checksum mismatch (corrupt or modified file)");
        }
    }

    /** One stored sentence: words (unpadded), labels per task (-1 = none), hidden states or null. */
    public record Row(int[] words, int[] labels, int[] states) {}

    /** Streams every sentence in order, one shard in memory at a time. */
    public void forEach(Consumer<Row> action) throws IOException {
        for (CorpusManifest.Shard s : manifest.shards()) {
            int[][] words = read(s.words());
            int[][] labels = read(s.labels());
            int[][] states = s.states() == null ? null : read(s.states());
            if (words.length != s.sentences() || labels.length != s.sentences()) {
                throw new BadInputException(dir.resolve(s.words().file()) + ": row count differs from the manifest");
            }
            for (int i = 0; i < words.length; i++) {
                int n = unpaddedLength(words[i]);
                action.accept(new Row(Arrays.copyOf(words[i], n), labels[i],
                    states == null ? null : Arrays.copyOf(states[i], n)));
            }
        }
    }

    private int[][] read(CorpusManifest.FileEntry f) throws IOException {
        Path p = dir.resolve(f.file());
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
            return Npy.readInt32(in, p.toString());
        } catch (java.io.EOFException e) {
            throw new BadInputException(p + ": truncated");
        }
    }

    private static int unpaddedLength(int[] row) {
        int n = row.length;
        while (n > 0 && row[n - 1] < 0) n--;
        return n;
    }
}
