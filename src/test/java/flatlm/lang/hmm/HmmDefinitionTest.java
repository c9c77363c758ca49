package flatlm.lang.hmm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config validation, language.json round trip and corruption, tasks. */
class HmmDefinitionTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void badConfigsNameTheField() {
        expectBad("blocks", () -> new Hmm.Config(10, 10, 0, 4, 0.2, 0));
        expectBad("states", () -> new Hmm.Config(3, 10, 4, 4, 0.2, 0));
        expectBad("words", () -> new Hmm.Config(10, 3, 4, 4, 0.2, 0));
        expectBad("length", () -> new Hmm.Config(10, 10, 2, 0, 0.2, 0));
        expectBad("alpha", () -> new Hmm.Config(10, 10, 2, 4, 0, 0));
        expectBad("alpha", () -> new Hmm.Config(10, 10, 2, 4, Double.NaN, 0));
        expectBad("leakage", () -> new Hmm.Config(10, 10, 2, 4, 0.2, -0.1));
        expectBad("leakage", () -> new Hmm.Config(10, 10, 2, 4, 0.2, 1.5));
    }

    static void expectBad(String word, Runnable r) {
        BadInputException e = assertThrows(BadInputException.class, r::run);
        assertTrue(e.getMessage().contains(word), e.getMessage() + " should name " + word);
        assertTrue(!e.getMessage().contains("\n"), "one-line message");
    }

    @Test
    void roundTripGivesIdenticalConditionals(@TempDir Path dir) throws IOException {
        Hmm hmm = Hmm.random(new Hmm.Config(20, 30, 3, 8, 0.2, 0.01), 42);
        hmm.writeDefinition(dir);
        Hmm back = Hmm.loadDefinition(dir);
        assertEquals(hmm.config(), back.config());
        assertEquals(42L, back.seed().getAsLong());
        assertArrayEquals(hmm.initial(), back.initial());
        assertArrayEquals(hmm.transition(), back.transition());
        assertArrayEquals(hmm.emission(), back.emission());
        SplittableRandom rng = new SplittableRandom(1);
        for (int k = 0; k < 50; k++) {
            int[] x = hmm.sample(rng).words();
            assertArrayEquals(hmm.conditionals(x), back.conditionals(x));
        }
        ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve("language.json").toFile());
        assertEquals("hmm", root.get("kind").asText());
        assertEquals(20, root.get("config").get("states").asInt());
    }

    @Test
    void corruptedDefinitionsAreRejected(@TempDir Path dir) throws IOException {
        Hmm.random(new Hmm.Config(4, 6, 2, 5, 0.5, 0), 1).writeDefinition(dir);
        Path file = dir.resolve("language.json");
        String good = Files.readString(file);
        corrupt(dir, good, r -> row(r, "transition", 2).set(0, row(r, "transition", 2).get(0).asDouble() + 0.01),
            "transition row 2 sums");
        corrupt(dir, good, r -> {
            ArrayNode e = row(r, "emission", 1);
            e.set(0, -0.5);
            e.set(1, e.get(1).asDouble() + 0.5);
        }, "emission row 1 entry 0");
        corrupt(dir, good, r -> ((ArrayNode) r.get("emission")).remove(3), "emission has 3 rows");
        corrupt(dir, good, r -> row(r, "transition", 0).add(0.0), "transition row 0 has 5 entries");
        corrupt(dir, good, r -> ((ArrayNode) r.get("initial")).set(0, 0.9), "initial sums");
        corrupt(dir, good, r -> ((ObjectNode) r.get("config")).put("states", 5), "initial has 4 entries");
        corrupt(dir, good, r -> ((ObjectNode) r.get("config")).remove("alpha"), "config.alpha");
        corrupt(dir, good, r -> ((ObjectNode) r.get("config")).put("leakage", 2.0), "leakage");
        corrupt(dir, good, r -> r.remove("emission"), "\"emission\"");
        corrupt(dir, good, r -> r.put("kind", "pcfg"), "kind");
        corrupt(dir, good, r -> row(r, "transition", 1).set(1, "x"), "transition row 1 entry 1");
        Files.writeString(file, good.substring(0, good.length() / 2));
        expectBad("not valid JSON", () -> load(dir));
        Files.delete(file);
        expectBad("no language.json", () -> load(dir));
    }

    static ArrayNode row(ObjectNode root, String matrix, int i) {
        return (ArrayNode) root.get(matrix).get(i);
    }

    static void corrupt(Path dir, String good, Consumer<ObjectNode> edit, String expected) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(good);
        edit.accept(root);
        Files.writeString(dir.resolve("language.json"), JSON.writeValueAsString(root));
        expectBad(expected, () -> load(dir));
    }

    static void load(Path dir) {
        try {
            Hmm.loadDefinition(dir);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void tasksAreHiddenStatesAtZeroBasedPositions() {
        Hmm hmm = Hmm.random(Hmm.Config.defaults(), 1);
        List<DownstreamTask> tasks = hmm.tasks();
        assertEquals(List.of("hmm:6", "hmm:10"), tasks.stream().map(DownstreamTask::name).toList());
        assertEquals(List.of("hmm:6"),
            Hmm.random(new Hmm.Config(8, 8, 2, 8, 0.2, 0), 1).tasks().stream().map(DownstreamTask::name).toList());
        DownstreamTask t3 = hmm.task("hmm:3");
        assertEquals("hmm:3", t3.name());
        assertEquals(100, t3.numClasses());
        assertEquals(15, ((HmmTask) hmm.task("hmm:15")).position());
        assertThrows(IllegalArgumentException.class, () -> hmm.task("hmm:16"));
        assertThrows(IllegalArgumentException.class, () -> hmm.task("hmm:-1"));
        assertThrows(IllegalArgumentException.class, () -> hmm.task("hmm:x"));
        assertThrows(IllegalArgumentException.class, () -> hmm.task("pcfg:A"));
        SplittableRandom r1 = new SplittableRandom(2), r2 = new SplittableRandom(2);
        for (int k = 0; k < 20; k++) {
            Sentence s = hmm.sample(r1);
            DownstreamTask.Example e = t3.sample(r2);
            assertArrayEquals(s.words(), e.words());
            assertEquals(s.states()[3], e.label());
            assertEquals(s.states()[3], t3.labelOf(s).getAsInt());
            assertEquals(s.states()[6], hmm.task("hmm:6").labelOf(s).getAsInt());
        }
        assertTrue(t3.labelOf(new Sentence(new int[16])).isEmpty());
        assertEquals("w0", hmm.vocabulary().word(0));
        assertEquals(199, hmm.vocabulary().id("w199"));
        assertEquals(16, hmm.maxLength());
    }
}
