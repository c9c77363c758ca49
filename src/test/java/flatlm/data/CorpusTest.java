package flatlm.data;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.hmm.Hmm;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorpusTest {
    private static final Language HMM = Hmm.random(new Hmm.Config(6, 8, 2, 12, 0.3, 0.0), 3);

    private static CorpusManifest write(Path out, long n, long seed, int shardSize) throws Exception {
        return new CorpusWriter(HMM, shardSize, 1).write(out, n, seed, new SplittableRandom(seed), null);
    }

    @Test
    void sameSeedSameBytes(@TempDir Path tmp) throws Exception {
        write(tmp.resolve("a"), 250, 7, 100);
        write(tmp.resolve("b"), 250, 7, 100);
        List<Path> files;
        try (Stream<Path> s = Files.list(tmp.resolve("a"))) {
            files = s.sorted().toList();
        }
        assertEquals(3 * 3 + 2, files.size(), "3 shards x (words, labels, states) + definition + manifest");
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(tmp.resolve("b").resolve(f.getFileName())),
                f.getFileName().toString());
        }
        write(tmp.resolve("c"), 250, 8, 100);
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("a/shard-00000.words.npy")),
            Files.readAllBytes(tmp.resolve("c/shard-00000.words.npy"))), "another seed gives other sentences");
    }

    @Test
    void readsBackTheSampledSentencesAndLabels(@TempDir Path tmp) throws Exception {
        CorpusManifest m = write(tmp.resolve("c"), 230, 11, 100);
        assertEquals(230, m.sentences());
        assertEquals(3, m.shards().size());
        List<Sentence> expected = HMM.sample(230, new SplittableRandom(11));
        Corpus corpus = Corpus.open(tmp.resolve("c"));
        corpus.verify();
        List<Corpus.Row> rows = new ArrayList<>();
        corpus.forEach(rows::add);
        assertEquals(230, rows.size());
        List<DownstreamTask> tasks = HMM.tasks();
        for (int i = 0; i < rows.size(); i++) {
            assertArrayEquals(expected.get(i).words(), rows.get(i).words());
            assertArrayEquals(expected.get(i).states(), rows.get(i).states());
            for (int t = 0; t < tasks.size(); t++) {
                OptionalInt l = tasks.get(t).labelOf(expected.get(i));
                assertEquals(l.isPresent() ? l.getAsInt() : -1, rows.get(i).labels()[t]);
            }
        }
        // the stored definition reproduces the language
        Language reloaded = corpus.language();
        assertArrayEquals(HMM.conditionals(expected.get(0).words())[3],
            reloaded.conditionals(expected.get(0).words())[3], 0.0);
    }

    @Test
    void detectsCorruptionAndRefusesToOverwrite(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("c");
        write(dir, 50, 1, 100);
        Path words = dir.resolve("shard-00000.words.npy");
        byte[] bytes = Files.readAllBytes(words);
        bytes[bytes.length - 1] ^= 1;
        Files.write(words, bytes);
        BadInputException e = assertThrows(BadInputException.class, () -> Corpus.open(dir).verify());
        assertTrue(e.getMessage().contains("shard-00000.words.npy") && e.getMessage().contains("checksum"), e.getMessage());

        byte[] manifestBefore = Files.readAllBytes(dir.resolve(CorpusWriter.MANIFEST));
        assertThrows(BadInputException.class, () -> write(dir, 10, 2, 100));
        assertArrayEquals(manifestBefore, Files.readAllBytes(dir.resolve(CorpusWriter.MANIFEST)), "nothing overwritten");
        assertThrows(BadInputException.class, () -> Corpus.open(tmp.resolve("missing")));
    }
}
