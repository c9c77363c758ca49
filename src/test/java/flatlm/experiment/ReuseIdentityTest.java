package flatlm.experiment;

import flatlm.report.ResultRow;
import flatlm.train.Checkpoint;
import flatlm.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a rerun may reuse: changing how a row was derived re-derives it; a corrupt checkpoint is never measured. */
class ReuseIdentityTest {
    static ExperimentPlan withPruning() throws Exception {
        ExperimentPlan p = SharedRunTest.plan();
        p.pruning = Reproduction.load("tiny").pruning; // sparsities 0 and 0.5, 5 recovery steps
        return p.validate("test");
    }

    static List<ResultRow> of(List<ResultRow> rows, String experiment, String variantPrefix) {
        return rows.stream().filter(r -> r.experiment().equals(experiment) && r.variant().startsWith(variantPrefix)).toList();
    }

    @Test
    void changingTheEmbeddingOrTheRecoveryRederivesThoseRowsAndNothingElse(@TempDir Path dir) throws Exception {
        ExperimentPlan plan = withPruning();
        Reproduction.Summary first = new Reproduction(plan, dir, true).run(2);
        assertTrue(first.failures().isEmpty(), first.failures().toString());
        List<ResultRow> embedded = of(first.rows(), "size", "embedded");
        List<ResultRow> recovered = of(first.rows(), "pruning", "").stream().filter(r -> r.run().equals("prune-recovered")).toList();
        assertEquals(2, embedded.size());
        assertEquals(2, recovered.size());

        plan.size.embedInto = new java.util.LinkedHashMap<>(Map.of("d", 64, "heads", 4, "layers", 1, "dInter", 128));
        plan.pruning.recoverySteps = 6;
        Reproduction.Summary second = new Reproduction(plan, dir, true).run(2);
        assertTrue(second.failures().isEmpty(), second.failures().toString());
        assertEquals(0, second.trained(), "no pre-training run changed");
        List<ResultRow> embedded2 = of(second.rows(), "size", "embedded");
        assertEquals(2, embedded2.size(), "one embedded row per model, not the stale ones beside the new ones");
        for (int i = 0; i < 2; i++) assertNotEquals(embedded.get(i).parameters(), embedded2.get(i).parameters(), "re-embedded");
        List<ResultRow> recovered2 = of(second.rows(), "pruning", "").stream().filter(r -> r.run().equals("prune-recovered")).toList();
        assertEquals(2, recovered2.size());
        for (ResultRow r : recovered2) assertEquals(6, r.step(), "recovered with the new number of steps");
        // the rows not derived from the changed settings are the same measurements
        assertEquals(of(first.rows(), "convergence", ""), of(second.rows(), "convergence", ""));
    }

    @Test
    void aCorruptCheckpointFailsItsMeasurementNamingTheFile(@TempDir Path dir) throws Exception {
        ExperimentPlan plan = SharedRunTest.plan();
        Reproduction r = new Reproduction(plan, dir, true);
        assertTrue(r.run(2).failures().isEmpty());
        RunSpec conv = r.runs().get(0);
        List<Path> cps = Checkpoint.list(conv.dir(dir).resolve(Trainer.CHECKPOINTS));
        Path model = cps.get(cps.size() - 1).resolve(Checkpoint.MODEL);
        byte[] b = Files.readAllBytes(model);
        b[b.length - 3] ^= 1;
        Files.write(model, b);
        Files.delete(conv.dir(dir).resolve(MeasurementLog.FILE));

        Reproduction.Summary again = new Reproduction(plan, dir, true).run(2);
        String why = String.join("; ", again.failures().values());
        assertFalse(again.failures().isEmpty(), "a flipped byte was measured");
        assertTrue(why.contains("checksum mismatch") && why.contains(Checkpoint.MODEL), why);
    }
}
