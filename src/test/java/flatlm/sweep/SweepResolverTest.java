package flatlm.sweep;

import flatlm.experiment.RunSpec;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sweep files → points and runs: list × grid, labels, layering, the same hashes from sweep.json, duplicates refused. */
class SweepResolverTest {
    static Path file(Path dir, String text) throws Exception {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void eachListEntryIsCrossedWithTheGridAndLayeredOverTheBase(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.yaml"), "model: {preset: tiny}\nsteps: 30\nbatchSize: 16\n");
        Path f = file(dir, """
            config: base.yaml
            train: {optimizer.lr: 2.0e-3}
            list:
              - {model: {d: 16, heads: 1}}
              - {model.d: 32, model.heads: 2}
            grid: {seed: [3, 4]}
            measure: {tasks: [], flatness: none}
            """);
        Sweep s = Sweep.load(f, dir.resolve("o"), true);
        SweepPlan p = s.plan();
        assertEquals("s", p.name);
        assertEquals(List.of("model.d", "model.heads", "seed"), p.keys);
        List<String> ids = s.runs().stream().map(RunSpec::id).toList();
        assertEquals(List.of("main/d16-heads1/s3", "main/d16-heads1/s4", "main/d32-heads2/s3", "main/d32-heads2/s4"), ids);
        RunSpec r = s.runs().get(3);
        assertEquals(32, r.config().model.d);
        assertEquals(2, r.config().model.heads);
        assertEquals(30, r.config().steps, "the config file's steps");
        assertEquals(2e-3, r.config().optimizer.lr, "train's dotted key over the config file");
        assertEquals(4, r.config().seed, "the swept pre-training seed is the run's seed");
        assertEquals(flatlm.train.HeldOutSpec.DEFAULT, r.config().data.heldOut(), "the measured held-out set is the run's");
        java.util.List<com.fasterxml.jackson.databind.JsonNode> layers = new java.util.ArrayList<>(p.base);
        layers.add(p.points.get(3).overrides);
        assertEquals(RunSpec.of("main", "d32-heads2", 4, null, "x", layers.toArray(new com.fasterxml.jackson.databind.JsonNode[0])).hash(), r.hash(),
            "the run is RunSpec.of over the same layers: its hash is RunSpec's");
        // a task process rebuilds the same runs from sweep.json
        Files.createDirectories(dir.resolve("o"));
        Files.writeString(dir.resolve("o").resolve(Sweep.PLAN_FILE), flatlm.util.Configs.toJson(p));
        assertEquals(s.runs().stream().map(RunSpec::hash).toList(), Sweep.open(dir.resolve("o"), true).runs().stream().map(RunSpec::hash).toList());
    }

    @Test
    void aContinuationKeepsTheSweptValuesAndContinuesItsParent(@TempDir Path dir) throws Exception {
        Path f = file(dir, """
            preset: tiny
            grid: {model.d: [16, 32], model.heads: [1]}
            measure: {flatness: none}
            continuations:
              more: {train: {steps: 5, optimizer: {name: sgd}}}
              again: {from: more, train: {steps: 3}}
            """);
        Sweep s = Sweep.load(f, dir.resolve("o"), true);
        assertEquals(6, s.runs().size());
        RunSpec again = s.runs().get(5), more = s.runs().get(3);
        assertEquals("again/d32-heads1/s1", again.id());
        assertEquals(more, again.parent());
        assertEquals("main/d32-heads1/s1", more.parent().id());
        assertEquals(32, again.config().model.d);
        assertEquals("sgd", more.config().optimizer.name);
        assertEquals("adamw", again.config().optimizer.name, "layers: base, the point, its own stage's train (not its parent stage's)");
        assertEquals(3, again.config().steps);
        assertNotEquals(more.config().seed, more.parent().config().seed, "a continuation draws other batches (RunSpec.dataSeed)");
    }

    @Test
    void twoPointsWithOneConfigAreRefused(@TempDir Path dir) throws Exception {
        Path f = file(dir, "preset: tiny\ngrid: {optimizer.lr: [0.001, 1.0e-3]}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> Sweep.load(f, dir, true));
        assertTrue(e.getMessage().contains("same"), e.getMessage());
    }
}
