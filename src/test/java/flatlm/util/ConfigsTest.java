package flatlm.util;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigsTest {
    @Test
    void yamlWithOverridesBindsAndRoundTrips(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "steps: 123\noptimizer:\n  name: sgd\n  lr: 0.5\nlanguage:\n  kind: dyck\n  n: 6\n");
        var tree = Configs.readTree(f);
        Configs.override(tree, Map.of("batch-size", "7", "optimizer.momentum", "0.9"));
        TrainConfig c = Configs.bind(tree, TrainConfig.class, f.toString()).validate();
        assertEquals(123, c.steps);
        assertEquals(7, c.batchSize);
        assertEquals("sgd", c.optimizer.name);
        assertEquals(0.9, c.optimizer.momentum);
        assertEquals(6, c.language.n);
        TrainConfig again = Configs.bind(Configs.toTree(c), TrainConfig.class, "round trip");
        assertEquals(Configs.toYaml(c), Configs.toYaml(again));
    }

    @Test
    void unknownKeysWrongTypesAndRangesAreOneLineErrorsNamingTheKey(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "optimizer:\n  lrr: 0.5\n");
        BadInputException e = assertThrows(BadInputException.class,
            () -> Configs.bind(Configs.readTree(f), TrainConfig.class, f.toString()));
        assertTrue(e.getMessage().contains("optimizer.lrr") && e.getMessage().contains("c.yaml"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));

        Files.writeString(f, "steps: many\n");
        e = assertThrows(BadInputException.class, () -> Configs.bind(Configs.readTree(f), TrainConfig.class, f.toString()));
        assertTrue(e.getMessage().contains("steps"), e.getMessage());

        Files.writeString(f, "optimizer:\n  lr: -1\n");
        e = assertThrows(BadInputException.class,
            () -> Configs.bind(Configs.readTree(f), TrainConfig.class, f.toString()).validate());
        assertTrue(e.getMessage().contains("optimizer.lr"), e.getMessage());

        Files.writeString(f, "steps: [1\n");
        e = assertThrows(BadInputException.class, () -> Configs.readTree(f));
        assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
    }

    @Test
    void aFractionForAnIntegerKeyIsAnErrorNotRounded(@TempDir Path tmp) throws Exception {
        Path yaml = tmp.resolve("c.yaml");
        Files.writeString(yaml, "steps: 20.5\n");
        BadInputException e = assertThrows(BadInputException.class,
            () -> Configs.bind(Configs.readTree(yaml), TrainConfig.class, yaml.toString()));
        assertTrue(e.getMessage().contains("'steps'") && e.getMessage().contains("20.5"), e.getMessage());
        Path json = tmp.resolve("c.json");
        Files.writeString(json, "{\"optimizer\": {\"lr\": 0.1}, \"batchSize\": 3.9}");
        e = assertThrows(BadInputException.class, () -> Configs.bind(Configs.readTree(json), TrainConfig.class, json.toString()));
        assertTrue(e.getMessage().contains("'batchSize'") && e.getMessage().contains("3.9"), e.getMessage());
        ObjectNode flags = (ObjectNode) Configs.toTree(new TrainConfig());
        Configs.override(flags, Map.of("seed", "7.25"));
        e = assertThrows(BadInputException.class, () -> Configs.bind(flags, TrainConfig.class, "flags"));
        assertTrue(e.getMessage().contains("'seed'"), e.getMessage());
        Configs.override(flags, Map.of("seed", "1e40"));
        assertThrows(BadInputException.class, () -> Configs.bind(flags, TrainConfig.class, "flags"), "beyond a long");
    }

    @Test
    void wholeNumbersWrittenAsFloatsStillBind(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "steps: 1e5\nbatchSize: 32.0\nseed: 3.0\noptimizer:\n  lr: 1\n");
        TrainConfig c = Configs.bind(Configs.readTree(f), TrainConfig.class, f.toString());
        assertEquals(100000, c.steps);
        assertEquals(32, c.batchSize);
        assertEquals(3, c.seed);
        assertEquals(1.0, c.optimizer.lr);
    }

    @Test
    void aDuplicateKeyIsAnErrorNamingFileLineAndKey(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "steps: 10\noptimizer:\n  lr: 0.1\n  lr: 0.2\n");
        BadInputException e = assertThrows(BadInputException.class, () -> Configs.readTree(f));
        assertTrue(e.getMessage().startsWith(f + ":4:") && e.getMessage().contains("'lr'"), e.getMessage());
        Files.writeString(f, "steps: 10\nsteps: 20\n");
        e = assertThrows(BadInputException.class, () -> Configs.readTree(f));
        assertTrue(e.getMessage().contains("'steps'"), e.getMessage());
    }

    @Test
    void aDirectoryIsNotAConfigFile(@TempDir Path tmp) {
        BadInputException e = assertThrows(BadInputException.class, () -> Configs.readTree(tmp));
        assertTrue(e.getMessage().contains(tmp + " is a directory"), e.getMessage());
    }
}
