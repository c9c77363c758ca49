package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.train.Checkpoint;
import flatlm.train.TrainConfig;
import flatlm.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flatlm flatness} and {@code flatlm embed} on a tiny run. */
class FlatnessCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path run;

    /** A tiny run: 8-word HMM of length 6, the tiny transformer, checkpoints at steps 0, 20, 40. */
    @BeforeAll
    static void train() throws Exception {
        TrainConfig c = flatlm.train.TrainerTest.tiny(40);
        c.evalEvery = 20;
        run = tmp.resolve("run");
        Trainer.start(c, run).run(0, null);
    }

    @Test
    void jsonForEachEstimator() throws Exception {
        CliRunner r = CliRunner.run("flatness", "--checkpoint", run.toString(), "--estimator",
            "fisher,fisher-per-sample,hutchinson,top-eig", "--rel-stderr", "0.2", "--eig-contexts", "32", "--json", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        for (String line : lines) {
            JsonNode j = JSON.readTree(line);
            assertEquals(40, j.get("step").asLong());
            assertTrue(j.get("value").asDouble() > 0, line);
            assertTrue(j.get("stderr").asDouble() > 0, line);
            assertTrue(j.get("seconds").asDouble() >= 0, line);
            if (!j.get("estimator").asText().equals("top-eig")) {
                assertEquals("rel-stderr", j.get("stop").asText(), line);
                assertTrue(j.get("rel_stderr").asDouble() <= 0.2, line);
            } else {
                assertTrue(j.has("converged") && j.has("iterations") && j.has("residual"), line);
            }
        }
        assertEquals("hutchinson", JSON.readTree(lines.get(2)).get("estimator").asText());
        assertEquals("exact", JSON.readTree(lines.get(2)).get("labels").asText());
    }

    @Test
    void trajectoryTableAndCsv() throws Exception {
        Path csv = tmp.resolve("out/flatness.csv");
        CliRunner r = CliRunner.run("flatness", "--checkpoints", run.toString(), "--estimator", "fisher",
            "--max-samples", "30", "--rel-stderr", "0", "--exclude", "head.bias", "--csv", csv.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("estimator") && r.out().contains("all but head.bias"), r.out());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(1 + Checkpoint.list(run.resolve("checkpoints")).size(), rows.size());
        assertTrue(rows.get(0).startsWith("checkpoint,step,estimator,value,stderr"));
        assertTrue(rows.get(1).contains(",0,fisher,"), rows.get(1));
        assertTrue(rows.get(3).contains(",40,fisher,") && rows.get(3).contains(",max-samples,"), rows.get(3));
    }

    @Test
    void sameSeedSameNumbers() {
        String[] args = {"flatness", "--checkpoint", run.toString(), "--estimator", "hutchinson", "--max-samples", "10",
            "--rel-stderr", "0", "--json", "--quiet"};
        String a = CliRunner.run(args).out().replaceAll("\"seconds\":[^,]*,", "");
        String b = CliRunner.run(args).out().replaceAll("\"seconds\":[^,]*,", "");
        assertEquals(a, b);
    }

    @Test
    void badInputIsOneLine() {
        String[][] cases = {
            {"flatness", "--checkpoint", run.toString(), "--estimator", "bogus"},
            {"flatness", "--checkpoint", run.toString(), "--exclude", "no.such.param"},
            {"flatness", "--checkpoint", run.toString(), "--labels", "noisy"},
            {"flatness", "--checkpoint", tmp.resolve("missing").toString()},
            {"flatness", "--checkpoint", run.toString(), "--checkpoints", run.toString()},
            {"flatness", "--checkpoint", run.toString(), "--rel-stderr", "-1"},
        };
        for (String[] c : cases) {
            CliRunner r = CliRunner.run(c);
            assertEquals(2, r.exitCode(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().startsWith("flatlm: error: ") && r.err().strip().lines().count() == 1,
                String.join(" ", c) + ": " + r.err());
        }
    }

    @Test
    void embedWritesACheckpointWithTheSameFunction() throws Exception {
        Path out = tmp.resolve("embedded");
        CliRunner r = CliRunner.run("embed", "--checkpoint", run.toString(), "--d", "64", "--heads", "4", "--layers", "2",
            "--d-inter", "128", "--out", out.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(2, j.get("width_ratio").asInt());
        assertEquals(1, j.get("extra_layers").asInt());
        assertTrue(j.get("max_abs_logprob_diff").asDouble() < 1e-5, r.out());
        // a valid checkpoint of the large architecture, with the language: flatness runs on it
        Path resolved = Checkpoint.resolve(out);
        assertEquals(64, Checkpoint.opened(resolved).transformer("cpu").config().d());
        assertEquals(40, Checkpoint.readState(resolved).step());
        assertTrue(Files.isRegularFile(out.resolve("embedding.json")));
        CliRunner f = CliRunner.run("flatness", "--checkpoint", out.toString(), "--max-samples", "5", "--quiet");
        assertEquals(0, f.exitCode(), f.err());
        // existing output refused
        CliRunner again = CliRunner.run("embed", "--checkpoint", run.toString(), "--into", "small", "--out", out.toString());
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("exists"), again.err());
        // a bare model file
        Path file = tmp.resolve("bare/model.safetensors");
        CliRunner bare = CliRunner.run("embed", "--checkpoint", run.toString(), "--into", "small", "--out", file.toString());
        assertEquals(0, bare.exitCode(), bare.err());
        assertTrue(bare.out().contains("width ratio 2"), bare.out());
    }

    @Test
    void embedRefusesArchitecturesItCannotRepresent() {
        String[][] cases = {
            {"--d", "48", "--heads", "3", "--layers", "1", "--d-inter", "128", "multiple"},   // width not a multiple of 32
            {"--d", "64", "--heads", "2", "--layers", "1", "--d-inter", "128", "heads"},      // fewer heads than 2 x 2
            {"--d", "64", "--heads", "4", "--layers", "0", "--d-inter", "128", "layers"},     // fewer layers
            {"--into", "nonsense", "unknown architecture"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 4];
            args[0] = "embed";
            args[1] = "--checkpoint";
            args[2] = run.toString();
            System.arraycopy(c, 0, args, 3, c.length - 1);
            args[c.length + 2] = "--out";
            args[c.length + 3] = tmp.resolve("never").toString();
            CliRunner r = CliRunner.run(args);
            assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("flatlm: error: ") && r.err().contains(c[c.length - 1])
                && r.err().strip().lines().count() == 1, r.err());
            assertTrue(!Files.exists(tmp.resolve("never")));
        }
    }
}
