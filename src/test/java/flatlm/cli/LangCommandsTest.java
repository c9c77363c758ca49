package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.lang.Language;
import flatlm.lang.Languages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LangCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void assertOneLineError(CliRunner r, String... fragments) {
        assertEquals(2, r.exitCode(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("Exception"), "no stack trace or exception name: " + err);
        assertTrue(err.startsWith("flatlm: error: "), err);
        for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
    }

    @Test
    void statsJsonHasTheDocumentedKeys() throws Exception {
        CliRunner r = CliRunner.run("lang", "stats", "--lang", "hmm", "--states", "8", "--words", "16", "--blocks", "2",
            "--length", "8", "--sentences", "300", "--seed", "3", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        for (String key : List.of("entropy", "entropy_stderr", "mean_length", "sentences_per_second")) {
            assertTrue(j.get(key).isNumber(), key);
        }
        assertEquals(8.0, j.get("mean_length").asDouble(), 0.0);
        assertTrue(j.get("entropy").asDouble() > 0 && j.get("entropy").asDouble() < Math.log(16));
        CliRunner again = CliRunner.run("lang", "stats", "--lang", "hmm", "--states", "8", "--words", "16", "--blocks", "2",
            "--length", "8", "--sentences", "300", "--seed", "3", "--json");
        assertEquals(j.get("entropy").asDouble(), JSON.readTree(again.out()).get("entropy").asDouble(), 0.0);
    }

    @Test
    void conditionalsOfGivenSentences(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("s.jsonl");
        Files.writeString(in, "[\"(\", \")\", \"(\", \")\"]\n[\"(\", \"(\", \")\", \")\"]\n");
        Path out = tmp.resolve("c.jsonl");
        CliRunner r = CliRunner.run("lang", "conditionals", "--lang", "dyck", "--n", "4", "--in", in.toString(),
            "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals(4, first.size());
        // in "()()" every masked bracket is determined by the rest
        assertEquals(1.0, first.get(0).get("(").asDouble(), 1e-12);
        assertEquals(1.0, first.get(1).get(")").asDouble(), 1e-12);
    }

    @Test
    void conditionalsOfAnUnknownWordNamesWordAndLine(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("s.jsonl");
        Files.writeString(in, "[\"(\", \")\"]\n[\"(\", \"]\"]\n");
        Path out = tmp.resolve("c.jsonl");
        Files.writeString(out, "precious");
        CliRunner r = CliRunner.run("lang", "conditionals", "--lang", "dyck", "--n", "2", "--in", in.toString(),
            "--out", out.toString());
        assertOneLineError(r, "unknown word ']'", "s.jsonl:2");
        assertEquals("precious", Files.readString(out), "an existing output is not lost");
    }

    @Test
    void malformedGrammarIsAOneLineErrorWithFileAndLine(@TempDir Path tmp) throws Exception {
        Path g = tmp.resolve("bad.txt");
        Files.writeString(g, "S S1 1.0\nS1 A B 1.0\nA a 1.0\nB b oops\n");
        CliRunner r = CliRunner.run("lang", "stats", "--lang", "pcfg", "--grammar", g.toString(), "--sentences", "10");
        assertOneLineError(r, "bad.txt:4");
    }

    @Test
    void badOptionValues() {
        assertOneLineError(CliRunner.run("lang", "stats", "--lang", "klingon"), "klingon");
        assertOneLineError(CliRunner.run("lang", "stats", "--lang", "dyck", "--n", "5"), "5");
        assertOneLineError(CliRunner.run("lang", "stats", "--lang", "hmm", "--alpha", "-1"), "alpha");
    }

    @Test
    void generateWritesAReloadableCorpusAndNeverOverwrites(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("corpus");
        CliRunner r = CliRunner.run("lang", "generate", "--lang", "pcfg", "--grammar", "random", "--sentences", "40",
            "--seed", "2", "--shard-size", "16", "--out", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
        assertEquals(40, manifest.get("sentences").asInt());
        assertEquals(3, manifest.get("shards").size());
        assertEquals(List.of("pcfg:A", "pcfg:B", "pcfg:C"), JSON.convertValue(manifest.get("tasks"), List.class));
        Language reloaded = Languages.load(dir);
        assertEquals("pcfg", reloaded.kind());

        // stats on the generated language directory
        CliRunner stats = CliRunner.run("lang", "stats", "--language", dir.toString(), "--sentences", "50", "--json");
        assertEquals(0, stats.exitCode(), stats.err());

        CliRunner again = CliRunner.run("lang", "generate", "--lang", "dyck", "--sentences", "5", "--out", dir.toString());
        assertOneLineError(again, "not empty");
        assertEquals(manifest, JSON.readTree(dir.resolve("manifest.json").toFile()));
    }

    @Test
    void helpExplainsEveryCommand() {
        for (String cmd : List.of("stats", "conditionals", "generate")) {
            CliRunner r = CliRunner.run("lang", cmd, "--help");
            assertEquals(0, r.exitCode());
            assertTrue(r.out().contains("Example:"), cmd);
        }
    }
}
