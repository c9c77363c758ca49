package flatlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.eval.DownstreamSplit;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.lang.Sentence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Task file:PATH: a user's labelled JSON lines as a probe task of any language. */
class LabelledFileTaskTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;

    private static LanguageSpec hmm() {
        LanguageSpec s = new LanguageSpec();
        s.kind = "hmm";
        s.states = 4;
        s.words = 8;
        s.blocks = 2;
        s.length = 7;
        return s;
    }

    /** The hmm:6 labels written to a file with string labels; each line distinct by its index word sequence. */
    private Path file(Language lang, int n) throws Exception {
        StringBuilder b = new StringBuilder();
        SplittableRandom rng = new SplittableRandom(3);
        DownstreamTask t = lang.task("hmm:6");
        for (int i = 0; i < n; i++) {
            Sentence s = lang.sample(rng);
            String[] w = new String[s.length()];
            for (int j = 0; j < w.length; j++) w[j] = lang.vocabulary().word(s.words()[j]);
            b.append(JSON.writeValueAsString(java.util.Map.of("words", w, "label", "s" + t.labelOf(s).getAsInt()))).append('\n');
        }
        Path f = tmp.resolve("my labels.jsonl");
        Files.writeString(f, b);
        return f;
    }

    @Test
    void splitsWithoutReplacementAndProbesLikeTheBuiltInTask() throws Exception {
        Language lang = hmm().build();
        Path f = file(lang, 400);
        DownstreamTask task = lang.task("file:" + f);
        assertEquals("file:my_labels.jsonl", task.name());
        long distinct = Files.readAllLines(f).stream().map(l -> l.replaceAll(".*\"label\":\"(s\\d+)\".*", "$1")).distinct().count();
        assertTrue(distinct >= 2);
        assertEquals(distinct, task.numClasses(), "string labels: one class per distinct label");
        DownstreamSplit split = DownstreamSplit.draw(task, 300, 100, 1);
        Set<Integer> seen = new HashSet<>();
        for (int[] w : split.trainWords()) seen.add(System.identityHashCode(w));
        for (int[] w : split.testWords()) assertFalse(seen.contains(System.identityHashCode(w)), "a test line is also a training line");
        CliRunner r = CliRunner.run("lookup", "--lang", "hmm", "--states", "4", "--words", "8", "--blocks", "2", "--length", "7",
            "--task", "file:" + f, "--train", "300", "--test", "100", "--seeds", "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        double acc = JSON.readTree(r.out()).get("accuracy_mean").asDouble();
        assertTrue(acc > 0.4, "the lookup table learns the hidden state from the file's labels: " + acc);
        CliRunner tooMany = CliRunner.run("lookup", "--lang", "hmm", "--states", "4", "--words", "8", "--blocks", "2",
            "--length", "7", "--task", "file:" + f, "--train", "350", "--test", "100");
        assertEquals(2, tooMany.exitCode());
        assertTrue(tooMany.err().contains("400 examples"), tooMany.err());
    }

    @Test
    void badLinesNameFileAndLine() throws Exception {
        Language lang = hmm().build();
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"words\": [\"w0\"], \"label\": 0}\n{\"words\": [\"w0\", \"zz\"], \"label\": 1}\n");
        CliRunner r = CliRunner.run("lookup", "--lang", "hmm", "--states", "4", "--words", "8", "--blocks", "2", "--length", "7",
            "--task", "file:" + f, "--train", "1", "--test", "1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("bad.jsonl:2") && r.err().contains("unknown word 'zz'"), r.err());
    }
}
