package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.model.MlmModel;
import flatlm.model.Pruning;
import flatlm.model.Torch;
import flatlm.train.Checkpoint;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruneCommandTest {
    private static final String[] TINY = {"--model.preset", "tiny", "--language.states", "4", "--language.words", "8",
        "--language.length", "5", "--batch-size", "16", "--eval-every", "10", "--checkpoint-every", "10",
        "--data.eval-sentences", "16", "--schedule.warmup", "2", "--steps", "10"};

    private static Path pretrain(Path run, String... extra) {
        String[] args = new String[3 + TINY.length + extra.length];
        args[0] = "pretrain";
        args[1] = "--out";
        args[2] = run.toString();
        System.arraycopy(TINY, 0, args, 3, TINY.length);
        System.arraycopy(extra, 0, args, 3 + TINY.length, extra.length);
        CliRunner r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return run;
    }

    private static void assertOneLineError(CliRunner r, String... fragments) {
        assertEquals(2, r.exitCode(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("flatlm: error: "), err);
        assertFalse(err.contains("Exception"), err);
        for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in " + err);
    }

    /** Zeros in the prunable matrices, and checks every other parameter equals {@code source}'s bit for bit. */
    private static long zerosAndOthersUnchanged(MlmModel pruned, MlmModel source) {
        long zeros = 0;
        Map<String, Tensor> src = source.namedParameters();
        for (Map.Entry<String, Tensor> e : pruned.namedParameters().entrySet()) {
            double[] a = Torch.toDoubles(e.getValue());
            double[] b = Torch.toDoubles(src.get(e.getKey()));
            if (Pruning.isPrunable(e.getKey(), e.getValue())) {
                for (int i = 0; i < a.length; i++) {
                    if (a[i] == 0.0) zeros++;
                    else assertEquals(Double.doubleToRawLongBits(b[i]), Double.doubleToRawLongBits(a[i]), e.getKey() + " kept entry");
                }
            } else {
                assertTrue(Arrays.equals(b, a), e.getKey() + " unchanged");
            }
        }
        return zeros;
    }

    @Test
    void prunesACheckpointThatEvalLossAccepts(@TempDir Path tmp) throws Exception {
        Path run = pretrain(tmp.resolve("run"));
        Path source = Checkpoint.resolve(run);
        MlmModel original = Checkpoint.opened(source).model("cpu");
        long total = 0;
        for (String n : Pruning.prunableNames(original)) total += original.namedParameters().get(n).numel();

        Path half = tmp.resolve("pruned/half");
        CliRunner r = CliRunner.run("prune", "--checkpoint", run.toString(), "--sparsity", "0.5", "--out", half.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().contains((total / 2) + "/" + total), r.out());

        Path resolved = Checkpoint.resolve(half); // verifies the manifest
        assertEquals(half, resolved);
        MlmModel pruned = Checkpoint.opened(resolved).model("cpu");
        assertEquals(total / 2, zerosAndOthersUnchanged(pruned, original));
        assertEquals(Checkpoint.readState(source).step(), Checkpoint.readState(half).step());
        JsonNode info = new ObjectMapper().readTree(half.resolve(PruneCommand.INFO).toFile());
        assertEquals(0.5, info.get("sparsity").asDouble());
        assertEquals(total / 2, info.get("zeros").asLong());
        assertEquals(total, info.get("total").asLong());
        assertEquals(Pruning.prunableNames(original).size(), info.get("matrices").size());

        CliRunner e = CliRunner.run("eval-loss", "--checkpoint", half.toString(), "--sentences", "16", "--json");
        assertEquals(0, e.exitCode(), e.err());
        double prunedKl = new ObjectMapper().readTree(e.out()).get("kl").asDouble();

        // sparsity 0: the same model, the same loss
        Path zero = tmp.resolve("zero");
        Files.createDirectories(zero); // an empty directory may be the output
        assertEquals(zero, PruneCommand.pruneCheckpoint(run, 0.0, zero));
        assertEquals(0, zerosAndOthersUnchanged(Checkpoint.opened(Checkpoint.resolve(zero)).model("cpu"), original));
        CliRunner e0 = CliRunner.run("eval-loss", "--checkpoint", zero.toString(), "--sentences", "16", "--json");
        CliRunner es = CliRunner.run("eval-loss", "--checkpoint", run.toString(), "--sentences", "16", "--json");
        double zeroKl = new ObjectMapper().readTree(e0.out()).get("kl").asDouble();
        assertEquals(new ObjectMapper().readTree(es.out()).get("kl").asDouble(), zeroKl, 0.0);
        assertTrue(prunedKl != zeroKl, "pruning half the matrices changes the loss");

        // never overwrites
        assertOneLineError(CliRunner.run("prune", "--checkpoint", run.toString(), "--sparsity", "0.3", "--out", half.toString()),
            "exists");
        assertEquals(total / 2, new ObjectMapper().readTree(half.resolve(PruneCommand.INFO).toFile()).get("zeros").asLong());
    }

    @Test
    void lstmCheckpoint(@TempDir Path tmp) throws Exception {
        Path run = pretrain(tmp.resolve("lstm"), "--model.preset", "lstm-tiny");
        MlmModel original = Checkpoint.opened(Checkpoint.resolve(run)).model("cpu");
        Path out = tmp.resolve("lstm-pruned");
        CliRunner r = CliRunner.run("prune", "--checkpoint", run.toString(), "--sparsity", "0.9", "--out", out.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        MlmModel pruned = Checkpoint.opened(Checkpoint.resolve(out)).model("cpu");
        assertEquals("lstm", pruned.kind());
        long total = j.get("total").asLong();
        assertEquals(Pruning.prunedCount(0.9, total), zerosAndOthersUnchanged(pruned, original));
        assertEquals(0, CliRunner.run("eval-loss", "--checkpoint", out.toString(), "--sentences", "16").exitCode());
    }

    @Test
    void badInputIsOneLineWithExitTwo(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("nothing");
        assertOneLineError(CliRunner.run("prune", "--checkpoint", missing.toString(), "--sparsity", "0.5", "--out",
            tmp.resolve("o1").toString()), "nothing");
        assertOneLineError(CliRunner.run("prune", "--checkpoint", missing.toString(), "--sparsity", "1.5", "--out",
            tmp.resolve("o2").toString()), "sparsity", "1.5");
        assertOneLineError(CliRunner.run("prune", "--checkpoint", missing.toString(), "--sparsity", "abc", "--out",
            tmp.resolve("o3").toString()), "abc");
        assertFalse(Files.exists(tmp.resolve("o1")) || Files.exists(tmp.resolve("o2")));

        Path run = pretrain(tmp.resolve("run"));
        Path model = Checkpoint.resolve(run).resolve(Checkpoint.MODEL);
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(model, bytes);
        assertOneLineError(CliRunner.run("prune", "--checkpoint", run.toString(), "--sparsity", "0.5", "--out",
            tmp.resolve("o4").toString()), "checksum");
        assertFalse(Files.exists(tmp.resolve("o4")));
    }
}
