package flatlm.cli;

import flatlm.train.Trainer;
import flatlm.train.TrainConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A --checkpoints sweep skips a corrupt checkpoint, names it, evaluates the others and exits non-zero. */
class CorruptCheckpointSweepTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        TrainConfig c = flatlm.train.TrainerTest.tiny(40);
        c.evalEvery = 20;
        run = tmp.resolve("run");
        Trainer.start(c, run).run(0, null);
        Path model = run.resolve("checkpoints/step-0000020/model.safetensors");
        byte[] b = Files.readAllBytes(model);
        b[b.length - 5] ^= 1;
        Files.write(model, b);
    }

    private static void assertNamed(CliRunner r) {
        assertEquals(1, r.exitCode(), r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("flatlm: error: 1 corrupt checkpoint(s) skipped") && last.contains("step-0000020"), r.err());
    }

    @Test
    void flatnessSweep() throws Exception {
        Path csv = tmp.resolve("flatness.csv");
        CliRunner r = CliRunner.run("flatness", "--checkpoints", run.toString(), "--estimator", "fisher", "--max-samples", "20",
            "--rel-stderr", "0", "--csv", csv.toString(), "--quiet");
        assertNamed(r);
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), "header, step 0, step 40");
        assertTrue(rows.get(1).contains(",0,fisher,") && rows.get(2).contains(",40,fisher,"), rows.toString());
    }

    @Test
    void probeSweep() throws Exception {
        Path out = tmp.resolve("probe.json");
        CliRunner r = CliRunner.run("probe", "--checkpoints", run.toString(), "--task", "hmm:3", "--train", "100", "--test", "50",
            "--seeds", "1", "--out", out.toString());
        assertNamed(r);
        List<String> rows = Files.readAllLines(tmp.resolve("probe.csv"));
        assertEquals(3, rows.size(), rows.toString());
        assertTrue(rows.get(1).startsWith("0,") && rows.get(2).startsWith("40,"), rows.toString());
        assertFalse(Files.readString(out).contains("step-0000020"));
    }
}
