package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LangHeadroomCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HMM = List.of("lang", "headroom", "--lang", "hmm", "--states", "4", "--words", "4",
        "--blocks", "1", "--length", "4", "--alpha", "0.3", "--test", "40");

    private static CliRunner run(String... extra) {
        List<String> args = Stream.concat(HMM.stream(), Stream.of(extra)).toList();
        if (!args.contains("--seeds")) args = Stream.concat(args.stream(), Stream.of("--seeds", "2")).toList();
        if (!args.contains("--model")) args = Stream.concat(args.stream(), Stream.of("--model", "tiny")).toList();
        return CliRunner.run(args.toArray(String[]::new));
    }

    private static void assertOneLineError(CliRunner r, String fragment) {
        assertEquals(2, r.exitCode(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("Exception"), err);
        assertTrue(err.startsWith("flatlm: error: "), err);
        assertTrue(err.contains(fragment), "'" + fragment + "' in: " + err);
    }

    @Test
    void printsOneLinePerTaskAndSizeAndAVerdict(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("h.json");
        CliRunner r = run("--task", "hmm:1,hmm:2", "--sizes", "8,16", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.stream().filter(l -> l.startsWith("hmm:1 ")).count(), r.out());
        assertEquals(2, lines.stream().filter(l -> l.startsWith("hmm:2 ")).count(), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("hmm:1\\s+16\\s.*")), r.out());
        assertTrue(r.out().contains("Bayes-lookup"), r.out());
        for (String t : List.of("hmm:1", "hmm:2")) {
            assertTrue(r.out().contains("verdict " + t + ": headroom at 16 examples: "), r.out());
        }
        assertTrue(r.out().contains("(≥ 5 needed for a useful comparison)"), r.out());
        JsonNode file = JSON.readTree(Files.readString(out));
        assertEquals(2, file.get("tasks").size());
    }

    @Test
    void jsonParsesWithRowsPerSize() throws Exception {
        CliRunner r = run("--task", "hmm:1", "--task", "hmm:3", "--sizes", "16,8", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("hmm", j.get("kind").asText());
        assertEquals(2, j.get("tasks").size());
        JsonNode rows = j.get("tasks").get(1).get("rows");
        assertEquals(2, rows.size());
        assertEquals(8, rows.get(0).get("size").asInt());
        assertEquals(16, rows.get(1).get("size").asInt());
        for (JsonNode row : rows) {
            for (String k : List.of("bayes_mean", "lookup_mean", "lookup_std", "random_mean", "random_std",
                "lookup_cross_entropy_mean", "bayes_minus_lookup", "bayes_minus_random")) {
                assertTrue(row.get(k).isNumber(), k + " in " + row);
            }
            assertEquals(row.get("bayes_minus_lookup").asDouble(),
                100 * (row.get("bayes_mean").asDouble() - row.get("lookup_mean").asDouble()), 1e-9);
            assertEquals(2, row.get("lookup_seeds").size());
        }
    }

    @Test
    void dyckSkipsTheLookupColumnWithoutAStackTrace() {
        CliRunner r = CliRunner.run("lang", "headroom", "--lang", "dyck", "--n", "4", "--task", "dyck", "--sizes", "8",
            "--test", "16", "--seeds", "1", "--model", "tiny");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("lookup n/a"), r.out());
        assertTrue(r.out().contains("verdict dyck: headroom at 8 examples: n/a"), r.out());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        assertOneLineError(run("--task", "hmm:1", "--sizes", "0,8"), "--sizes");
        assertOneLineError(run("--task", "hmm:1", "--sizes", "8,abc"), "--sizes");
        assertOneLineError(run("--task", "hmm:1", "--seeds", "0"), "--seeds");
        assertOneLineError(run("--task", "hmm:9"), "hmm:9");
        assertOneLineError(run("--task", "hmm:1", "--model", "huge"), "huge");
    }
}
