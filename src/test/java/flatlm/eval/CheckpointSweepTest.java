package flatlm.eval;

import flatlm.train.CheckpointSweep;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.train.Checkpoint;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointSweepTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        Torch.setThreads(1);
        run = TinyRun.train(tmp.resolve("run"), 20);
    }

    @Test
    void everyCheckpointIsProbedBesideItsLoggedLoss() throws Exception {
        Language lang = Checkpoint.opened(Checkpoint.resolve(run)).spec().build();
        DownstreamTask task = lang.task("hmm:6");
        Probe.Setup setup = new Probe.Setup(200, 100, 2, 1, 0);
        List<DownstreamSplit> splits = Probe.splits(task, setup);
        List<CheckpointSweep.Row> rows = CheckpointSweep.run(run, dir -> {
            MlmModel m = Checkpoint.opened(dir).model("cpu");
            return Probe.run("probe", new ModelFeatures(m, lang.maxLength()), lang, task, splits, setup,
                LinearProbe.Options.defaults(), null);
        }, null).rows();
        assertEquals(List.of(0L, 10L, 20L), rows.stream().map(CheckpointSweep.Row::step).toList());
        Map<Long, Map<String, Double>> metrics = CheckpointSweep.metrics(run);
        for (CheckpointSweep.Row r : rows) {
            assertEquals(metrics.get(r.step()).get("kl"), r.loss().get("kl"));
            assertTrue(r.loss().containsKey("ce"));
        }
        Path csv = CheckpointSweep.write(tmp.resolve("out/probe.json"), run, rows);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("step,accuracy_mean,accuracy_std,ce,entropy,kl,log10_kl", lines.get(0));
        assertEquals(4, lines.size());
        assertTrue(lines.get(3).startsWith("20,"));
        assertTrue(Files.readString(tmp.resolve("out/probe.json")).contains("\"checkpoints\""));
        assertThrows(BadInputException.class, () -> CheckpointSweep.checkpoints(tmp.resolve("nothing")));
    }
}
