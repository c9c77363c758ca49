package flatlm.cli;

import flatlm.util.Checksums;
import flatlm.eval.TinyRun;
import flatlm.model.SafeTensors;
import flatlm.train.Checkpoint;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Inputs that were silently ignored or rounded, and errors that named nothing (issue 14, items 15 and 16). */
class InputErrorsTest {
    private static final String[] TINY = {"--model.preset", "tiny", "--language.states", "4", "--language.words", "8",
        "--language.length", "5", "--batch-size", "16", "--eval-every", "10", "--checkpoint-every", "10",
        "--data.eval-sentences", "16", "--schedule.warmup", "2"};
    private static final String[] HMM = {"--lang", "hmm", "--states", "4", "--words", "8", "--blocks", "2", "--length", "7",
        "--alpha", "0.2"};

    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        run = TinyRun.train(tmp.resolve("run"), 10);
    }


    private static String assertOneLineError(CliRunner r, String... fragments) {
        assertEquals(2, r.exitCode(), r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("flatlm: error: "), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(last.contains("null"), last);
        for (String f : fragments) assertTrue(last.contains(f), "'" + f + "' in " + last);
        return last;
    }

    /** Every file under {@code dir} with its checksum: what "nothing was changed" means. */
    private static Map<Path, String> snapshot(Path dir) throws Exception {
        Map<Path, String> out = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                if (Files.isRegularFile(p)) out.put(p, Checksums.sha256(p));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ item 15

    @Test
    void resumeWithOutIsAnErrorAndWritesNeither() throws Exception {
        Map<Path, String> before = snapshot(run);
        Path other = tmp.resolve("other");
        assertOneLineError(CliRunner.run("pretrain", "--resume", run.toString(), "--out", other.toString()), "--out", other.toString());
        assertFalse(Files.exists(other));
        assertEquals(before, snapshot(run), "the resumed run is untouched");
    }

    @Test
    void stopAtMustBeAStepOfTheRun() throws Exception {
        Path out = tmp.resolve("stop");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"pretrain", "--out", out.toString(), "--steps", "20", "--stop-at", "-1"},
            TINY)), "--stop-at", "-1");
        assertFalse(Files.exists(out));
        Map<Path, String> before = snapshot(run);
        assertOneLineError(CliRunner.run("pretrain", "--resume", run.toString(), "--stop-at", "5"), "--stop-at 5", "step 10");
        assertEquals(before, snapshot(run));
    }

    @Test
    void aFractionalStepsInAConfigFileIsAnError() throws Exception {
        Path out = tmp.resolve("frac");
        Path yaml = tmp.resolve("frac.yaml");
        Files.writeString(yaml, "steps: 20.5\n");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"pretrain", "--out", out.toString(), "--config", yaml.toString()}, TINY)),
            yaml.toString(), "'steps'", "20.5");
        Path json = tmp.resolve("frac.json");
        Files.writeString(json, "{\"steps\": 20.5}");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"pretrain", "--out", out.toString(), "--config", json.toString()}, TINY)),
            json.toString(), "'steps'", "20.5");
        assertFalse(Files.exists(out));
        CliRunner whole = CliRunner.run("pretrain", "--print-config", "--steps", "2e3");
        assertEquals(0, whole.exitCode(), whole.err());
        assertTrue(whole.out().contains("steps: 2000"), whole.out());
    }

    @Test
    void aFractionalFlagIsAnError() {
        Path out = tmp.resolve("flag");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"pretrain", "--out", out.toString(), "--steps", "20"}, TINY,
            new String[] {"--seed", "2.5"})), "'seed'", "2.5");
        String[] args = CliRunner.cat(new String[] {"pretrain", "--out", out.toString(), "--steps", "20"}, TINY);
        args[List.of(args).indexOf("--batch-size") + 1] = "3.9";
        assertOneLineError(CliRunner.run(args), "'batchSize'", "3.9");
        assertFalse(Files.exists(out));
    }

    @Test
    void aRepeatedKeyIsAnError() throws Exception {
        Path out = tmp.resolve("dup");
        Path yaml = tmp.resolve("dup.yaml");
        Files.writeString(yaml, "steps: 20\noptimizer:\n  lr: 0.01\n  lr: 0.02\n");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"pretrain", "--out", out.toString(), "--config", yaml.toString()}, TINY)),
            yaml + ":4:", "'lr'");
        assertFalse(Files.exists(out));
    }

    @Test
    void moreThreadsThanCoresIsAWarning() {
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = cores + 7;
        CliRunner r = CliRunner.run(CliRunner.cat(new String[] {"lang", "stats", "--sentences", "50", "--threads", Integer.toString(threads)}, HMM));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("flatlm: warning: " + threads + " threads") && r.err().contains(cores + " core"), r.err());
        CliRunner fine = CliRunner.run(CliRunner.cat(new String[] {"lang", "stats", "--sentences", "50", "--threads", "1"}, HMM));
        assertEquals(0, fine.exitCode(), fine.err());
        assertFalse(fine.err().contains("warning"), fine.err());
    }

    // ------------------------------------------------------------------ item 16

    @Test
    void outThatIsAFileIsNamed() throws Exception {
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "keep me");
        assertOneLineError(CliRunner.run("reproduce", "--preset", "tiny", "--out", file.toString(), "--quiet"),
            "--out " + file + " is a file, not a directory");
        assertOneLineError(CliRunner.run("dyck", "--n", "4", "--out", file.toString()), "--out " + file + " is a file, not a directory");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"pretrain", "--out", file.toString()}, TINY)),
            "--out " + file + " is a file, not a directory");
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void aFullDiskNamesTheFile() {
        Path full = Path.of("/dev/full"); // Linux: every write fails with ENOSPC, "No space left on device"
        assumeTrue(Files.exists(full), "needs /dev/full");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"lookup", "--task", "hmm:6", "--train", "40", "--test", "20", "--seeds", "1",
            "--out", full.toString()}, HMM)), full.toString(), "No space left on device");
    }

    @Test
    void aDirectoryGivenAsAGrammarIsNamed() {
        assertOneLineError(CliRunner.run("lang", "stats", "--lang", "pcfg", "--grammar", tmp.toString(), "--sentences", "10"),
            tmp + " is a directory, not a PCFG rule file");
    }

    @Test
    void theTaskHintListsEveryPosition() {
        String last = assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"lookup", "--task", "hmm:9"}, HMM)), "hmm:9", "hmm:0 … hmm:6");
        assertFalse(last.contains("hmm:7"), last);
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:x"), "hmm:0 … hmm:6");
    }

    @Test
    void aCheckpointWithNaNWeightsIsRefusedByName() throws Exception {
        Path model = Checkpoint.modelFile(Checkpoint.resolve(run));
        Map<String, String> meta = SafeTensors.readMetadata(model);
        LinkedHashMap<String, Tensor> tensors = SafeTensors.read(model);
        String name = List.copyOf(tensors.keySet()).get(tensors.size() / 2);
        tensors.get(name).view(-1).narrow(0, 1, 1).fill_(new Scalar(Double.NaN));
        Path nanDir = Files.createDirectories(tmp.resolve("nan"));
        Path nan = nanDir.resolve(Checkpoint.MODEL); // a bare model file: no manifest to refuse it first
        SafeTensors.write(nan, tensors, meta);
        assertOneLineError(CliRunner.run("eval-loss", "--checkpoint", nan.toString(), "--sentences", "16"),
            nan.toString(), "tensor " + name + " has NaN values");

        tensors.get(name).view(-1).narrow(0, 1, 1).fill_(new Scalar(Double.POSITIVE_INFINITY));
        SafeTensors.write(nan, tensors, meta);
        assertOneLineError(CliRunner.run("eval-loss", "--checkpoint", nan.toString(), "--sentences", "16"),
            "tensor " + name + " has infinite values");
        CliRunner ok = CliRunner.run("eval-loss", "--checkpoint", run.toString(), "--sentences", "16");
        assertEquals(0, ok.exitCode(), ok.err());
    }
}
