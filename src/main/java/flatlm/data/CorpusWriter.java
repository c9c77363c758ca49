package flatlm.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.util.Checksums;
import flatlm.util.BadInputException;
import flatlm.util.Io;
import flatlm.util.Parallel;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * Writes a corpus directory: the language's definition, sentence shards ({@code .npy} int32
 * matrices: words, labels, hidden states) and {@code manifest.json} with SHA-256 checksums.
 * Streams shard by shard (memory bounded by the shard size), writes into a temporary
 * sibling directory and renames it at the end, so an interrupted run leaves nothing under
 * the final name. Same language, seed and sizes give the same bytes.
 */
public final class CorpusWriter {
    public static final String MANIFEST = "manifest.json";
    public static final int DEFAULT_SHARD_SIZE = 100_000;

    private final Language language;
    private final int shardSize;
    private final int threads;

    public CorpusWriter(Language language, int shardSize, int threads) {
        if (shardSize < 1) throw new BadInputException("--shard-size must be at least 1, got " + shardSize);
        this.language = language;
        this.shardSize = shardSize;
        this.threads = Math.max(1, threads);
    }

    /** Writes {@code sentences} sentences drawn with {@code rng} (seeded by {@code seed}) to {@code out}. */
    public CorpusManifest write(Path out, long sentences, long seed, RandomGenerator rng, LongConsumer progress)
        throws IOException {
        if (sentences < 0) throw new BadInputException("--sentences must be non-negative, got " + sentences);
        checkTarget(out);
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + out.getFileName() + ".partial");
        Io.deleteRecursively(tmp);
        Files.createDirectories(tmp);

        language.writeDefinition(tmp);
        List<CorpusManifest.FileEntry> definition = new ArrayList<>();
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.sorted().toList()) {
                definition.add(new CorpusManifest.FileEntry(f.getFileName().toString(), Checksums.sha256(f)));
            }
        }

        List<DownstreamTask> tasks = language.tasks();
        int maxLength = language.maxLength();
        Map<Integer, Long> lengthCounts = new TreeMap<>();
        List<CorpusManifest.Shard> shards = new ArrayList<>();
        long tokens = 0;
        long done = 0;
        for (int shard = 0; done < sentences; shard++) {
            int n = (int) Math.min(shardSize, sentences - done);
            List<Sentence> batch = language.sample(n, rng);
            int[][] labels = labels(batch, tasks);
            for (Sentence s : batch) {
                tokens += s.length();
                lengthCounts.merge(s.length(), 1L, Long::sum);
            }
            String prefix = String.format("shard-%05d", shard);
            CorpusManifest.FileEntry words = writeMatrix(tmp, prefix + ".words.npy", batch.size(), maxLength,
                i -> padded(batch.get(i).words(), maxLength));
            CorpusManifest.FileEntry labelFile = writeMatrix(tmp, prefix + ".labels.npy", batch.size(),
                tasks.size(), i -> labels[i]);
            CorpusManifest.FileEntry states = batch.get(0).states() == null ? null
                : writeMatrix(tmp, prefix + ".states.npy", batch.size(), maxLength,
                    i -> padded(batch.get(i).states(), maxLength));
            shards.add(new CorpusManifest.Shard(n, words, labelFile, states));
            done += n;
            if (progress != null) progress.accept(done);
        }

        CorpusManifest manifest = new CorpusManifest(CorpusManifest.FORMAT, language.kind(), seed, sentences,
            tokens, maxLength, shardSize, tasks.stream().map(DownstreamTask::name).toList(), lengthCounts,
            definition, shards);
        mapper().writeValue(tmp.resolve(MANIFEST).toFile(), manifest);
        if (Files.exists(out)) Files.delete(out); // an empty directory
        Io.moveIntoPlace(tmp, out);
        return manifest;
    }

    /** Fails unless {@code out} is absent or an empty directory (a corpus is never overwritten). */
    public static void checkTarget(Path out) throws IOException {
        if (Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out))) {
            throw new BadInputException(out + " already exists and is not empty; choose another --out");
        }
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    /** labels[i][t] = label of sentence i for task t, or -1 where the task defines none. */
    private int[][] labels(List<Sentence> batch, List<DownstreamTask> tasks) {
        int[][] labels = new int[batch.size()][tasks.size()];
        Parallel.forEach(batch.size(), threads, i -> {
            for (int t = 0; t < tasks.size(); t++) {
                OptionalInt l = tasks.get(t).labelOf(batch.get(i));
                labels[i][t] = l.isPresent() ? l.getAsInt() : -1;
            }
        });
        return labels;
    }

    private interface RowSource {
        int[] row(int i);
    }

    private static CorpusManifest.FileEntry writeMatrix(Path dir, String name, int rows, int cols, RowSource rowSource)
        throws IOException {
        MessageDigest md = Checksums.sha256();
        ByteBuffer scratch = Npy.rowBuffer(cols);
        try (OutputStream out = new DigestOutputStream(
            new BufferedOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 16), md)) {
            Npy.writeInt32Header(out, rows, cols);
            for (int i = 0; i < rows; i++) Npy.writeInt32Row(out, rowSource.row(i), scratch);
        }
        return new CorpusManifest.FileEntry(name, Checksums.hex(md));
    }

    private static int[] padded(int[] values, int length) {
        int[] row = Arrays.copyOf(values, length);
        Arrays.fill(row, values.length, length, -1);
        return row;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

}
