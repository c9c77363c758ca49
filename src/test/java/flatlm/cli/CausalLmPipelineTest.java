package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.eval.TinyRun;
import flatlm.train.TrainConfig;
import flatlm.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The causal-lm language through pre-training, eval-loss, probe (with its Bayes ceiling), lookup and flatness. */
class CausalLmPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path tmp;
    static Path gen, run;

    @BeforeAll
    static void train() throws Exception {
        gen = tmp.resolve("gen");
        CliRunner r = CliRunner.run("lm", "random", "--out", gen.toString(), "--words", "10", "--controls", "2",
            "--layers", "1", "--hidden", "8", "--heads", "2", "--ffn", "16", "--max-positions", "12");
        assertEquals(0, r.exitCode(), r.err());
        TrainConfig c = TinyRun.config(20);
        c.language.kind = "causal-lm";
        c.language.generator = gen.toString();
        c.language.length = 6;
        c.language.controlIds = List.of(14, 15);
        run = tmp.resolve("run");
        Trainer.start(c, run).run(0, null);
    }

    @Test
    void evalLossOfTheCheckpointIsAboveTheEntropy() throws Exception {
        CliRunner r = CliRunner.run("eval-loss", "--checkpoint", run.toString(), "--sentences", "40", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(j.get("ce").asDouble(), j.get("entropy").asDouble() + j.get("kl").asDouble(), 1e-9, "CE = H + KL");
        assertTrue(j.get("kl").asDouble() > 0 && j.get("entropy").asDouble() > 0, j.toString());
    }

    @Test
    void probeAndLookupOfTheClassTaskReportTheBayesCeiling() throws Exception {
        CliRunner p = CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "causal-lm:class", "--train", "100",
            "--test", "100", "--seeds", "2", "--json");
        assertEquals(0, p.exitCode(), p.err());
        JsonNode j = JSON.readTree(p.out());
        assertEquals(2, j.get("classes").asInt());
        double bayes = j.get("bayes_accuracy_mean").asDouble();
        assertTrue(bayes > 0.5 && bayes <= 1, "Bayes ceiling " + bayes);
        CliRunner l = CliRunner.run("lookup", "--lang", "causal-lm", "--generator", gen.toString(), "--length", "6",
            "--control-ids", "14,15", "--task", "causal-lm:class", "--train", "100", "--test", "100", "--seeds", "2", "--json");
        assertEquals(0, l.exitCode(), l.err());
        assertEquals(bayes, JSON.readTree(l.out()).get("bayes_accuracy_mean").asDouble(), 1e-12, "same test sets, same ceiling");
    }

    @Test
    void flatnessOfTheCheckpoint() throws Exception {
        CliRunner r = CliRunner.run("flatness", "--checkpoint", run.toString(), "--max-samples", "30", "--min-samples", "10",
            "--quiet", "--json");
        assertEquals(0, r.exitCode(), r.err());
        double trace = JSON.readTree(r.out().lines().findFirst().orElseThrow()).get("value").asDouble();
        assertTrue(trace > 0 && Double.isFinite(trace), r.out());
    }
}
