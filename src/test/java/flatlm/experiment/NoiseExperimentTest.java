package flatlm.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The noise experiment's section of a plan, and the continuations it plans (no training). */
class NoiseExperimentTest {
    private static final String TINY_NOISE = """
        noise:
          from: convergence
          train: {steps: 20, checkpointEvery: 10, schedule: {warmup: 0, decay: constant}}
          optimizers:
            sgd: {name: sgd, lr: 0.05, weightDecay: 0}
            adamw: {name: adamw, lr: 3.0e-4}
          labelsPerContext: [2, 8, exact]
        """;

    /** The tiny preset with its noise section replaced by {@code noise} (YAML text), loaded from a file. */
    private static ExperimentPlan withNoise(Path dir, String noise) throws Exception {
        Path f = dir.resolve("plan.yaml");
        ObjectNode tree = (ObjectNode) Configs.readTree(write(dir.resolve("tiny.yaml"), Configs.toYaml(Reproduction.load("tiny"))));
        tree.remove("noise");
        String yaml = Configs.toYaml(tree) + noise;
        Files.writeString(f, yaml);
        return Reproduction.load(f.toString());
    }

    private static Path write(Path p, String s) throws Exception {
        Files.writeString(p, s);
        return p;
    }

    private static String error(Path dir, String noise) {
        BadInputException e = assertThrows(BadInputException.class, () -> new Reproduction(withNoise(dir, noise), dir.resolve("out"), true));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    private static void has(String message, String part) {
        assertTrue(message.contains(part), message);
    }

    @Test
    void badValuesAreOneLineErrorsNamingTheKey(@TempDir Path dir) {
        String ok = TINY_NOISE;
        has(error(dir, ok.replace("from: convergence", "from: size")), "noise.from");
        has(error(dir, ok.replace("[2, 8, exact]", "[0, 8, exact]")), "noise.labelsPerContext");
        has(error(dir, ok.replace("[2, 8, exact]", "[2.5, exact]")), "noise.labelsPerContext");
        has(error(dir, ok.replace("[2, 8, exact]", "[2, exakt]")), "noise.labelsPerContext");
        has(error(dir, ok.replace("[2, 8, exact]", "[2, 2, exact]")), "twice");
        has(error(dir, ok.replace("[2, 8, exact]", "[2, 8]")), "exact (the no-noise control)");
        has(error(dir, ok.replace("[2, 8, exact]", "[exact]")), "at least one k");
        has(error(dir, ok.replace("[2, 8, exact]", "[]")), "noise.labelsPerContext");
        has(error(dir, ok.replace("steps: 20,", "steps: 20, algorithm: sam,")), "noise.train sets 'algorithm'");
        has(error(dir, "noise: {optimizers: {}, labelsPerContext: [2, exact]}\n"), "noise.optimizers");
        has(error(dir, ok.replace("sgd: {name", "s-g-d: {name")), "noise.optimizers");
        has(error(dir, ok.replace("lr: 0.05", "lrr: 0.05")), "noise.optimizers.sgd: unknown key 'lrr'");
        has(error(dir, ok.replace("name: sgd", "name: lbfgs")), "optimizer.name");
        has(error(dir, ok.replace("labelsPerContext:", "labelsPerContxt:")), "labelsPerContxt");
        assertThrows(BadInputException.class, () -> {
            ExperimentPlan p = withNoise(dir, ok);
            p.convergence = null;
            p.algorithms = null;
            p.pruning = null;
            p.validate("test");
        }, "the noise experiment needs the convergence run");
    }

    @Test
    void theContinuationsShareSeedStepsAndStartAndDifferOnlyInTheirLabels(@TempDir Path dir) throws Exception {
        Reproduction r = new Reproduction(withNoise(dir, TINY_NOISE), dir.resolve("out"), true);
        List<RunSpec> noise = r.runs().stream().filter(x -> x.experiment().equals("noise")).toList();
        assertEquals(2 * 2 * 3, noise.size(), "2 seeds x 2 optimizers x 3 levels");
        assertEquals(List.of("adamw-k2", "adamw-k8", "adamw-exact", "sgd-k2", "sgd-k8", "sgd-exact"),
            noise.stream().filter(x -> x.seed() == 1).map(RunSpec::label).toList());
        for (long seed : List.of(1L, 2L)) {
            RunSpec parent = r.runs().stream().filter(x -> x.id().equals("convergence/adamw/s" + seed)).findFirst().orElseThrow();
            Map<String, Object> base = new TreeMap<>();
            for (String opt : List.of("sgd", "adamw")) {
                List<RunSpec> levels = noise.stream().filter(x -> x.seed() == seed && x.label().startsWith(opt + "-")).toList();
                assertEquals(3, levels.size());
                for (RunSpec x : levels) {
                    assertEquals(parent, x.parent(), "every level continues the seed's AdamW run");
                    assertEquals(RunSpec.dataSeed(seed, parent), x.config().seed, "same batches: the same data seed");
                    assertEquals(20, x.config().steps);
                    assertEquals(10, x.config().checkpointEvery);
                    assertEquals(opt, x.config().optimizer.name);
                    assertEquals(parent.hash() + "@" + parent.config().steps, x.provenance().settings().get("continues").asText());
                    boolean exact = x.label().endsWith("-exact");
                    assertEquals(exact ? "exact-target" : "sampled-labels", x.config().algorithm);
                    assertEquals(exact ? Double.POSITIVE_INFINITY : Double.parseDouble(x.label().substring(x.label().lastIndexOf('k') + 1)),
                        x.config().labelsPerContextK());
                    if (exact) assertNull(x.config().labelsPerContext);
                    // everything else is equal between the levels of one optimizer
                    ObjectNode c = (ObjectNode) Configs.toTree(x.config());
                    c.remove(List.of("algorithm", "labelsPerContext"));
                    Object prev = base.putIfAbsent(opt, c);
                    if (prev != null) assertEquals(prev, c, x.id());
                }
                assertEquals(3, levels.stream().map(RunSpec::hash).distinct().count());
            }
            assertNotEquals(base.get("sgd"), base.get("adamw"));
        }
        // the exact level drops a labelsPerContext the shared training keys set
        ExperimentPlan p = withNoise(dir, TINY_NOISE);
        p.algorithms = null;
        p.pruning = null;
        p.size = null;
        p.train.put("algorithm", "sampled-labels");
        p.train.put("labelsPerContext", 16);
        RunSpec exact = new Reproduction(p.validate("test"), dir.resolve("out"), true).runs().stream()
            .filter(x -> x.id().equals("noise/sgd-exact/s1")).findFirst().orElseThrow();
        assertEquals("exact-target", exact.config().algorithm);
        assertNull(exact.config().labelsPerContext);
    }

    @Test
    void thePlanAsWrittenReadsBackWithTheSameNoiseRuns(@TempDir Path dir) throws Exception {
        ExperimentPlan p = withNoise(dir, TINY_NOISE);
        Path again = write(dir.resolve("again.yaml"), Configs.toYaml(p));
        assertEquals(List.of(2, 8, "exact"), Reproduction.load(again.toString()).noise.labelsPerContext);
        assertEquals(new Reproduction(p, dir.resolve("o"), true).keys(), new Reproduction(Reproduction.load(again.toString()),
            dir.resolve("o"), true).keys());
    }
}
