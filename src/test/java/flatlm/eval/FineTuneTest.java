package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.train.Checkpoint;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FineTuneTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        Torch.setThreads(1);
        run = TinyRun.train(tmp.resolve("run"), 20);
    }

    @Test
    void fineTuningLearnsTheTaskDeterministicallyAndRestoresTheModel() throws Exception {
        Path ckpt = Checkpoint.resolve(run);
        Language lang = Checkpoint.opened(ckpt).spec().build();
        DownstreamTask task = lang.task("hmm:6");
        MlmModel model = Checkpoint.opened(ckpt).model("cpu");
        Map<String, double[]> before = values(model);
        Probe.Setup setup = new Probe.Setup(300, 200, 2, 1, 0);
        List<DownstreamSplit> splits = Probe.splits(task, setup);
        FineTune.Options o = new FineTune.Options(3e-3, 10, 3, 32, 0.01);
        int[] ticks = {0};
        DownstreamResult a = FineTune.run(model, lang, task, splits, setup, o, () -> ticks[0]++);
        assertEquals(2 * FineTune.steps(300, o), ticks[0]);
        assertEquals(2 * 3 * 10, ticks[0], "3 epochs of 10 batches, 2 seeds");
        Map<String, double[]> after = values(model);
        for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), 0.0, k + " restored");
        DownstreamResult b = FineTune.run(model, lang, task, splits, setup, o, null);
        assertEquals(a.seeds(), b.seeds(), "same seed, same result");
        assertTrue(a.accuracy().mean() > 1.5 / task.numClasses(), "learns the task: " + a.accuracy());
        assertEquals("finetune", a.method());
        assertTrue(a.bayesAccuracy().mean() >= 0.5);
    }

    private static Map<String, double[]> values(MlmModel m) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) out.put(e.getKey(), Torch.toDoubles(e.getValue()));
        return out;
    }
}
