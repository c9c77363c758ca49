package flatlm.util;

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
}
