package flatlm.lang.pcfg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.lang.Language;
import flatlm.lang.Languages;
import flatlm.lang.Sentence;
import flatlm.util.BadInputException;
import flatlm.util.Warnings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomGrammarTest {
    @TempDir
    Path dir;

    @Test
    void hasTheAuthorsShape() {
        Pcfg pcfg = Pcfg.random(3);
        Grammar g = pcfg.grammar();
        assertEquals(50, g.numNonterminals());
        assertEquals(200, pcfg.vocabulary().size());
        for (int w = 0; w < 200; w++) assertEquals("w" + w, pcfg.vocabulary().word(w));
        assertEquals(16, pcfg.maxLength());
        assertTrue(!pcfg.isRecursive());
        int[] binary = new int[g.numNonterminals()], terminal = new int[g.numNonterminals()], unary = new int[g.numNonterminals()];
        double[] sums = new double[g.numNonterminals()];
        for (Grammar.Rule r : g.rules()) {
            sums[r.lhs()] += r.prob();
            switch (r.kind()) {
                case BINARY -> binary[r.lhs()]++;
                case TERMINAL -> terminal[r.lhs()]++;
                case UNARY -> unary[r.lhs()]++;
            }
        }
        for (double s : sums) assertEquals(1.0, s, 1e-12);
        assertEquals(9, unary[g.start()]);
        double level4Words = 0;
        for (int a = 0; a < g.numNonterminals(); a++) {
            String name = g.nonterminalName(a);
            if (name.matches("S\\d")) assertEquals(1, binary[a]);
            if (name.matches("A[123]_\\d")) {
                assertEquals(1, terminal[a], name);
                assertTrue(binary[a] >= 14 && binary[a] <= 20, name + " has " + binary[a] + " binary rules");
            }
            if (name.startsWith("A4_")) {
                assertEquals(0, binary[a]);
                level4Words += terminal[a] / 10.0;
            }
        }
        assertTrue(level4Words > 70 && level4Words < 90, "~80 words per level-4 nonterminal: " + level4Words);
        assertEquals(9, pcfg.task("pcfg:A").numClasses());
        assertEquals(49, pcfg.task("pcfg:C").numClasses());
    }

    @Test
    void sameSeedSameGrammarAndSamples() {
        Pcfg a = Pcfg.random(7), b = Pcfg.random(7);
        assertEquals(a.grammar().toText(), b.grammar().toText());
        assertNotEquals(a.grammar().toText(), Pcfg.random(8).grammar().toText());
        List<Sentence> sa = a.sample(50, new SplittableRandom(1)), sb = b.sample(50, new SplittableRandom(1));
        for (int k = 0; k < 50; k++) {
            assertArrayEquals(sa.get(k).words(), sb.get(k).words());
            assertEquals(sa.get(k).tree(), sb.get(k).tree());
        }
    }

    @Test
    void deeperShape() {
        Pcfg pcfg = Pcfg.random(GrammarShape.AUTHORS.withLevels(5), 2);
        assertEquals(32, pcfg.maxLength());
        assertEquals(60, pcfg.grammar().numNonterminals());
        Pcfg small = Pcfg.random(GrammarShape.AUTHORS.withLevels(2).withSizes(3, 4, 5, 12, 6), 2);
        assertEquals(4, small.maxLength());
        assertEquals(12, small.vocabulary().size(), "every word is emitted somewhere");
    }

    private static void assertSameLanguage(Pcfg a, Pcfg b) {
        assertEquals(a.grammar().toText(), b.grammar().toText());
        assertEquals(a.vocabulary().words(), b.vocabulary().words());
        List<Sentence> sa = a.sample(100, new SplittableRandom(5)), sb = b.sample(100, new SplittableRandom(5));
        for (int k = 0; k < sa.size(); k++) {
            int[] x = sa.get(k).words();
            assertArrayEquals(x, sb.get(k).words());
            double[][] ca = a.conditionals(x), cb = b.conditionals(x);
            for (int i = 0; i < x.length; i++) assertArrayEquals(ca[i], cb[i], 0.0, "identical conditionals");
        }
    }

    @Test
    void definitionRoundTrip() throws IOException {
        Pcfg pcfg = Pcfg.random(5).withLabelMode(Pcfg.LabelMode.POSTERIOR);
        Path d = dir.resolve("lang");
        pcfg.writeDefinition(d);
        JsonNode json = new ObjectMapper().readTree(d.resolve("language.json").toFile());
        assertEquals("pcfg", json.get("kind").asText());
        assertEquals("grammar.txt", json.get("grammar").asText());
        assertEquals("posterior", json.get("labelMode").asText());
        assertEquals(3, json.size());
        Pcfg authors = PcfgTestSupport.authors();
        List<String> warnings = new java.util.ArrayList<>();
        Consumer<String> old = Warnings.redirect(warnings::add);
        try {
            Pcfg back = Pcfg.loadDefinition(d);
            assertEquals(Pcfg.LabelMode.POSTERIOR, back.labelMode());
            assertSameLanguage(pcfg, back);
            Language viaLanguages = Languages.load(d);
            assertInstanceOf(Pcfg.class, viaLanguages);

            Path d2 = dir.resolve("authors");
            authors.writeDefinition(d2);
            Pcfg authorsBack = Pcfg.loadDefinition(d2);
            assertEquals(Pcfg.LabelMode.INSIDE, authorsBack.labelMode());
            assertSameLanguage(authors, authorsBack);
            assertEquals(List.of(), warnings, "written definitions reload silently");
        } finally {
            Warnings.redirect(old);
        }
    }

    @Test
    void badDefinitions() throws IOException {
        Path d = dir.resolve("bad");
        Pcfg.random(1).writeDefinition(d);
        Files.writeString(d.resolve("language.json"), "{\"kind\":\"pcfg\",\"grammar\":\"grammar.txt\",\"labelMode\":\"best\"}");
        BadInputException e = assertThrows(BadInputException.class, () -> Pcfg.loadDefinition(d));
        assertTrue(e.getMessage().contains("labelMode"), e.getMessage());
        Files.writeString(d.resolve("language.json"), "{\"kind\":\"pcfg\"}");
        assertThrows(BadInputException.class, () -> Pcfg.loadDefinition(d));
        Files.writeString(d.resolve("language.json"), "{\"kind\":\"pcfg\",");
        assertThrows(BadInputException.class, () -> Pcfg.loadDefinition(d));
        Files.writeString(d.resolve("language.json"), "{\"kind\":\"pcfg\",\"grammar\":\"missing.txt\"}");
        e = assertThrows(BadInputException.class, () -> Pcfg.loadDefinition(d));
        assertTrue(e.getMessage().contains("missing.txt"), e.getMessage());
    }

    @Test
    void differentSeedsGiveDifferentLanguages() {
        Set<String> texts = new HashSet<>();
        for (long s = 0; s < 5; s++) texts.add(Pcfg.random(s).grammar().toText());
        assertEquals(5, texts.size());
    }
}
