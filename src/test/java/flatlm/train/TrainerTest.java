package flatlm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class TrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tiny, fast configuration: 8-word HMM of length 6, the tiny transformer. */
    public static TrainConfig tiny(int steps) {
        TrainConfig c = new TrainConfig();
        c.language.states = 4;
        c.language.words = 8;
        c.language.blocks = 2;
        c.language.length = 6;
        c.model.preset = "tiny";
        c.steps = steps;
        c.batchSize = 32;
        c.evalEvery = 10;
        c.checkpointEvery = 20;
        c.data.evalSentences = 32;
        c.schedule.warmup = 5;
        c.optimizer.lr = 3e-3;
        return c;
    }

    static List<JsonNode> metrics(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(Trainer.METRICS))) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void exactLossDecreasesOnATinyHmm(@TempDir Path tmp) throws Exception {
        Trainer.Outcome o = Trainer.start(tiny(60), tmp.resolve("run")).run(0, null);
        List<JsonNode> m = metrics(tmp.resolve("run"));
        assertEquals(7, m.size(), "step 0 and every 10 steps");
        double first = m.get(0).get("kl").asDouble();
        double last = m.get(m.size() - 1).get("kl").asDouble();
        assertTrue(last < 0.5 * first, "KL " + first + " -> " + last);
        JsonNode row = m.get(m.size() - 1);
        assertEquals(row.get("ce").asDouble(), row.get("entropy").asDouble() + row.get("kl").asDouble(), 1e-9);
        assertEquals(60, o.step());
        assertEquals(List.of("step-0000000", "step-0000020", "step-0000040", "step-0000060"),
            Checkpoint.list(tmp.resolve("run/checkpoints")).stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void resumeAfterStoppingReproducesTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        Trainer.start(tiny(40), tmp.resolve("full")).run(0, null);
        Trainer.start(tiny(40), tmp.resolve("split")).run(20, null);
        assertEquals(3, metrics(tmp.resolve("split")).size(), "stopped at step 20");
        Trainer.resume(tmp.resolve("split")).run(0, null);
        List<JsonNode> full = metrics(tmp.resolve("full"));
        List<JsonNode> split = metrics(tmp.resolve("split"));
        assertEquals(full.size(), split.size());
        for (int i = 0; i < full.size(); i++) {
            for (String key : List.of("step", "lr", "ce", "kl", "val_loss")) {
                assertEquals(full.get(i).get(key).asDouble(), split.get(i).get(key).asDouble(), 0.0, key + " at row " + i);
            }
        }
        assertArrayEquals(Files.readAllBytes(tmp.resolve("full/checkpoints/step-0000040/model.safetensors")),
            Files.readAllBytes(tmp.resolve("split/checkpoints/step-0000040/model.safetensors")));
    }

    @Test
    void aCorruptLastCheckpointIsRefusedAndTheRunResumesFromThePreviousOne(@TempDir Path tmp) throws Exception {
        Trainer.start(tiny(40), tmp.resolve("full")).run(0, null);
        Path run = tmp.resolve("run");
        Trainer.start(tiny(40), run).run(0, null);
        Path model = run.resolve("checkpoints/step-0000040/model.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        Files.write(model, java.util.Arrays.copyOf(bytes, bytes.length - 100)); // truncated
        List<String> warned = new ArrayList<>();
        var old = flatlm.util.Warnings.redirect(warned::add);
        Trainer t;
        try {
            t = Trainer.resume(run);
        } finally {
            flatlm.util.Warnings.redirect(old);
        }
        assertEquals(20, t.step(), "fell back to the previous verified checkpoint");
        assertTrue(warned.size() == 1 && warned.get(0).contains("step-0000040") && warned.get(0).contains("checksum"), warned.toString());
        assertTrue(Files.isDirectory(run.resolve("checkpoints/refused-step-0000040")), "the refused checkpoint is kept aside");
        t.run(0, null);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("full/checkpoints/step-0000040/model.safetensors")), Files.readAllBytes(model),
            "retrained from step 20 to the same weights");
        assertEquals(metrics(tmp.resolve("full")).size(), metrics(run).size());
        assertThrows(BadInputException.class, () -> Trainer.start(tiny(20), run), "a run is never overwritten");
    }

    @Test
    void noVerifiedCheckpointIsAOneLineError(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        Trainer.start(tiny(20), run).run(0, null);
        for (Path cp : Checkpoint.list(run.resolve("checkpoints"))) Files.writeString(cp.resolve("state.json"), "{}");
        byte[] metricsBefore = Files.readAllBytes(run.resolve(Trainer.METRICS));
        var old = flatlm.util.Warnings.redirect(w -> {});
        try {
            BadInputException e = assertThrows(BadInputException.class, () -> Trainer.resume(run));
            assertTrue(e.getMessage().contains("no checkpoint passes its checksums"), e.getMessage());
        } finally {
            flatlm.util.Warnings.redirect(old);
        }
        assertArrayEquals(metricsBefore, Files.readAllBytes(run.resolve(Trainer.METRICS)));
    }

    @Test
    void twoIdenticalRunsWriteTheSameBytesApartFromTimings(@TempDir Path tmp) throws Exception {
        Trainer.start(tiny(20), tmp.resolve("a")).run(0, null);
        Trainer.start(tiny(20), tmp.resolve("b")).run(0, null);
        List<Path> files;
        try (var s = Files.walk(tmp.resolve("a"))) {
            files = s.filter(Files::isRegularFile).map(tmp.resolve("a")::relativize).sorted().toList();
        }
        try (var s = Files.walk(tmp.resolve("b"))) {
            assertEquals(files, s.filter(Files::isRegularFile).map(tmp.resolve("b")::relativize).sorted().toList());
        }
        assertTrue(files.size() >= 10, files.toString()); // config, metrics, 2 checkpoints x 4 files
        for (Path f : files) {
            byte[] a = Files.readAllBytes(tmp.resolve("a").resolve(f)), b = Files.readAllBytes(tmp.resolve("b").resolve(f));
            if (f.toString().equals(Trainer.METRICS)) { // tokens_per_second is a timing
                String strip = "\"tokens_per_second\":[^,}]*,?";
                assertEquals(new String(a).replaceAll(strip, ""), new String(b).replaceAll(strip, ""));
            } else {
                assertArrayEquals(a, b, f.toString());
            }
        }
    }

    @Test
    void resumingARunInterruptedBeforeItsFirstCheckpointLogsStepZeroOnce(@TempDir Path tmp) throws Exception {
        Trainer.start(tiny(20), tmp.resolve("full")).run(0, null);
        Path run = tmp.resolve("run");
        Trainer.start(tiny(20), run).run(0, null);
        Checkpoint.deleteRecursively(run.resolve("checkpoints/step-0000020")); // as if killed at step 15
        Trainer.resume(run).run(0, null);
        List<JsonNode> m = metrics(run);
        assertEquals(1, m.stream().filter(j -> j.get("step").asLong() == 0).count(), "one step-0 line");
        assertEquals(metrics(tmp.resolve("full")).size(), m.size());
    }

    @Test
    void divergenceStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        TrainConfig c = tiny(40);
        c.optimizer.name = "sgd";
        c.optimizer.lr = 1e9;
        c.schedule.warmup = 0;
        c.schedule.decay = "constant";
        Trainer.Outcome o = Trainer.start(c, tmp.resolve("run")).run(0, null);
        assertTrue(o.divergedAt() > 0, "diverged");
        assertNotNull(o.lastCheckpoint());
        Checkpoint.verify(o.lastCheckpoint());
        List<JsonNode> m = metrics(tmp.resolve("run"));
        assertEquals("diverged", m.get(m.size() - 1).get("event").asText());
    }

    @Test
    void bidirectionalLstmTrainsAndItsCheckpointReloads(@TempDir Path tmp) throws Exception {
        TrainConfig c = tiny(80);
        c.model.preset = "lstm-tiny";
        c.optimizer.lr = 1e-2;
        Path run = tmp.resolve("lstm");
        Trainer.start(c, run).run(0, null);
        List<JsonNode> m = metrics(run);
        double first = m.get(0).get("kl").asDouble();
        double last = m.get(m.size() - 1).get("kl").asDouble();
        assertTrue(last < 0.5 * first, "KL " + first + " -> " + last);
        Path ckpt = Checkpoint.resolve(run);
        assertEquals("lstm", Checkpoint.opened(ckpt).model("cpu").kind());
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.opened(ckpt).transformer("cpu"));
        assertTrue(e.getMessage().contains("lstm"), e.getMessage());
    }
}
