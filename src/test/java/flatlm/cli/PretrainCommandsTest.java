package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainCommandsTest {
    private static final String[] TINY = {"--model.preset", "tiny", "--language.states", "4", "--language.words", "8",
        "--language.length", "5", "--batch-size", "16", "--eval-every", "10", "--checkpoint-every", "10",
        "--data.eval-sentences", "16", "--schedule.warmup", "2"};

    private static String[] args(String... head) {
        String[] out = new String[head.length + TINY.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(TINY, 0, out, head.length, TINY.length);
        return out;
    }

    private static void assertOneLineError(CliRunner r, int code, String... fragments) {
        assertEquals(code, r.exitCode(), r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("flatlm: error: "), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        for (String f : fragments) assertTrue(last.contains(f), "'" + f + "' in " + last);
    }

    @Test
    void pretrainThenEvalLossOfTheCheckpoint(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRunner r = CliRunner.run(args("pretrain", "--out", run.toString(), "--steps", "20"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-0000020/model.safetensors")));
        // no --sentences: eval-loss evaluates on the run's own held-out set (data.evalSentences 16, not the default 256)
        CliRunner e = CliRunner.run("eval-loss", "--checkpoint", run.toString(), "--json");
        assertEquals(0, e.exitCode(), e.err());
        JsonNode j = new ObjectMapper().readTree(e.out());
        assertEquals(16, j.get("sentences").asInt());
        String last = Files.readAllLines(run.resolve("metrics.jsonl")).get(2);
        JsonNode m = new ObjectMapper().readTree(last);
        assertEquals(20, m.get("step").asInt());
        assertEquals(m.get("kl").asDouble(), j.get("kl").asDouble(), 1e-12, "the run's held-out set, the same numbers");
        // another held-out set gives another estimate of the same KL
        JsonNode other = new ObjectMapper().readTree(CliRunner.run("eval-loss", "--checkpoint", run.toString(), "--sentences", "40",
            "--json").out());
        assertEquals(40, other.get("sentences").asInt());
        assertNotEquals(j.get("kl").asDouble(), other.get("kl").asDouble());
    }

    @Test
    void printConfigShowsResolvedKeys() {
        CliRunner r = CliRunner.run("pretrain", "--print-config", "--optimizer.lr", "0.001", "--steps=77");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("lr: 0.001") && r.out().contains("steps: 77"), r.out());
    }

    /** The label-noise dial's key is visible in --print-config (a comment while unset: runs without it keep their keys) and --help. */
    @Test
    void printConfigAndHelpShowTheLabelNoiseDial(@TempDir Path tmp) throws Exception {
        CliRunner unset = CliRunner.run("pretrain", "--print-config");
        assertEquals(0, unset.exitCode(), unset.err());
        assertTrue(unset.out().contains("\n# labelsPerContext: unset;") && !unset.out().contains("\nlabelsPerContext"), unset.out());
        Path printed = tmp.resolve("printed.yaml");
        Files.writeString(printed, unset.out());
        CliRunner again = CliRunner.run("pretrain", "--print-config", "--config", printed.toString());
        assertEquals(unset.out(), again.out(), "the printed config (with its comment) reads back as the same config");
        CliRunner set = CliRunner.run("pretrain", "--print-config", "--algorithm", "sampled-labels", "--labels-per-context", "16");
        assertEquals(0, set.exitCode(), set.err());
        assertTrue(set.out().contains("\nalgorithm: sampled-labels\nlabelsPerContext: 16\n") && !set.out().contains("# labelsPerContext"),
            set.out());
        String help = CliRunner.run("pretrain", "--help").out();
        assertTrue(help.contains("sampled-labels") && help.contains("--labels-per-context"), help);
        assertOneLineError(CliRunner.run("pretrain", "--print-config", "--algorithm", "sampled-labels"), 2, "labelsPerContext");
        assertOneLineError(CliRunner.run("pretrain", "--print-config", "--algorithm", "sampled-labels", "--labels-per-context", "0"), 2,
            "labelsPerContext", "got 0");
    }

    @Test
    void badConfigsAndCheckpointsAreOneLineErrors(@TempDir Path tmp) throws Exception {
        assertOneLineError(CliRunner.run("pretrain", "--out", tmp.resolve("a").toString(), "--optimizer.lrr", "1"), 2,
            "optimizer.lrr");
        assertOneLineError(CliRunner.run("pretrain", "--out", tmp.resolve("b").toString(), "--steps", "-3"), 2, "steps");
        Path yaml = tmp.resolve("c.yaml");
        Files.writeString(yaml, "model:\n  preset: giant\n");
        assertOneLineError(CliRunner.run("pretrain", "--out", tmp.resolve("c").toString(), "--config", yaml.toString()), 2,
            "giant");
        Path blocker = tmp.resolve("file");
        Files.writeString(blocker, "x");
        assertOneLineError(CliRunner.run(args("pretrain", "--out", blocker.resolve("run").toString(), "--steps", "2")), 2,
            blocker + " is a file, not a directory");
        assertOneLineError(CliRunner.run("eval-loss", "--checkpoint", tmp.resolve("nothing").toString()), 2, "nothing");

        Path run = tmp.resolve("run");
        assertEquals(0, CliRunner.run(args("pretrain", "--out", run.toString(), "--steps", "10")).exitCode());
        Path model = run.resolve("checkpoints/step-0000010/model.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(model, bytes);
        assertOneLineError(CliRunner.run("eval-loss", "--checkpoint", run.toString()), 2, "checksum");
        CliRunner resumed = CliRunner.run("pretrain", "--resume", run.toString());
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("refused checkpoint") && resumed.err().contains("step-0000010"), resumed.err());
    }

    @Test
    void aCorpusOfAnotherLanguageIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp) throws Exception {
        // the TINY language: HMM 4 states, 8 words, 2 blocks, length 5, alpha 0.1, seed 1
        String[][] corpora = {
            {"--language-seed", "1", "--words", "8", "--length", "5"},   // the same language: accepted
            {"--language-seed", "2", "--words", "8", "--length", "5"},   // another seed: other conditionals
            {"--language-seed", "1", "--words", "16", "--length", "5"},  // a larger vocabulary
            {"--language-seed", "1", "--words", "8", "--length", "9"},   // longer sentences
        };
        for (int i = 0; i < corpora.length; i++) {
            Path corpus = tmp.resolve("corpus" + i);
            String[] gen = {"lang", "generate", "--lang", "hmm", "--states", "4", "--blocks", "2", "--alpha", "0.1",
                "--sentences", "50", "--out", corpus.toString()};
            String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(gen), java.util.Arrays.stream(corpora[i]))
                .toArray(String[]::new);
            assertEquals(0, CliRunner.run(all).exitCode());
            Path run = tmp.resolve("run" + i);
            CliRunner r = CliRunner.run(args("pretrain", "--out", run.toString(), "--steps", "5", "--data.corpus", corpus.toString()));
            if (i == 0) {
                assertEquals(0, r.exitCode(), r.err());
                continue;
            }
            assertOneLineError(r, 2, "is not the language of the config");
            assertFalse(Files.exists(run), "nothing written for " + String.join(" ", corpora[i]));
        }
    }

    @Test
    void divergedRunExitsThreeAndNamesTheLastGoodCheckpoint(@TempDir Path tmp) {
        CliRunner r = CliRunner.run(args("pretrain", "--out", tmp.resolve("run").toString(), "--steps", "30",
            "--optimizer.name", "sgd", "--optimizer.lr", "1e9", "--schedule.decay", "constant"));
        assertOneLineError(r, 3, "NaN", "step-0000");
    }
}
