package flatlm.lang;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.pcfg.GrammarShape;
import flatlm.lang.pcfg.Pcfg;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import flatlm.util.Warnings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LanguageSpec: the new HMM and PCFG-shape keys, validation, describe() and flags(). */
class LanguageSpecTest {

    static LanguageSpec hmm() {
        LanguageSpec s = new LanguageSpec();
        s.kind = "hmm";
        return s;
    }

    static LanguageSpec randomPcfg() {
        LanguageSpec s = new LanguageSpec();
        s.grammar = "random";
        s.seed = 3;
        return s;
    }

    @Test
    void unsetKeysAreLeftOutOfTheSerialisedForm() {
        // run hashes and checkpoint metadata of existing configs must not change
        JsonNode tree = Configs.toTree(new LanguageSpec());
        for (String k : List.of("transitionAlpha", "emissionAlpha", "permutations", "temperature", "pcfgRoots",
            "pcfgLevels", "pcfgPerLevel", "pcfgBinaryDraws", "pcfgWords", "pcfgWordDraws")) {
            assertFalse(tree.has(k), k);
        }
        assertTrue(tree.has("dir"), "existing null fields are still written");
        LanguageSpec s = hmm();
        s.permutations = 2;
        s.temperature = 0.5;
        ObjectNode t = (ObjectNode) Configs.toTree(s);
        assertEquals(2, t.get("permutations").asInt());
        LanguageSpec back = Configs.bind(t, LanguageSpec.class, "test");
        assertEquals(0.5, back.temperature, 0);
        assertEquals(null, back.transitionAlpha);
    }

    @Test
    void hmmKeysReachTheConstruction() throws IOException {
        LanguageSpec s = hmm();
        s.states = 12;
        s.words = 6;
        s.blocks = 2;
        s.length = 8;
        assertEquals(new Hmm.Config(12, 6, 2, 8, 0.2, 0), s.hmmConfig());
        Hmm plain = (Hmm) s.build();
        assertArrayEquals(Hmm.random(new Hmm.Config(12, 6, 2, 8, 0.2, 0), 1).transition(), plain.transition());
        s.transitionAlpha = 0.05;
        s.emissionAlpha = 2.0;
        s.permutations = 3;
        s.temperature = 0.1;
        Hmm.Config expected = new Hmm.Config(12, 6, 2, 8, 0.2, 0).withAlphas(0.05, 2).withPermutations(3, 0.1);
        assertEquals(expected, s.hmmConfig());
        assertArrayEquals(Hmm.random(expected, 1).transition(), ((Hmm) s.build()).transition());
    }

    static void expectBad(LanguageSpec s, String... words) {
        BadInputException e = assertThrows(BadInputException.class, s::build);
        for (String w : words) assertTrue(e.getMessage().contains(w), e.getMessage() + " should name " + w);
        assertFalse(e.getMessage().contains("\n"));
    }

    static LanguageSpec with(LanguageSpec s, Consumer<LanguageSpec> edit) {
        edit.accept(s);
        return s;
    }

    @Test
    void badHmmKeysNameKeyAndFlag() {
        expectBad(with(hmm(), s -> s.transitionAlpha = 0.0), "transitionAlpha", "--transition-alpha");
        expectBad(with(hmm(), s -> s.transitionAlpha = Double.NaN), "transitionAlpha");
        expectBad(with(hmm(), s -> s.emissionAlpha = Double.POSITIVE_INFINITY), "emissionAlpha", "--emission-alpha");
        expectBad(with(hmm(), s -> s.permutations = -1), "permutations", "--permutations");
        expectBad(with(hmm(), s -> s.permutations = 2), "temperature", "--temperature", "must be given");
        expectBad(with(hmm(), s -> { s.permutations = 2; s.temperature = 0.0; }), "--temperature", "positive");
        expectBad(with(hmm(), s -> s.temperature = 1.0), "--temperature", "only used with permutations");
        expectBad(with(hmm(), s -> { s.permutations = 0; s.temperature = 1.0; }), "--temperature");
        // fields of another kind are ignored
        LanguageSpec pcfg = new LanguageSpec();
        pcfg.transitionAlpha = -1.0;
        pcfg.validate();
    }

    @Test
    void shapeKeysBuildThatShape() throws IOException {
        LanguageSpec s = randomPcfg();
        assertEquals(Pcfg.random(3).grammar().toText(), ((Pcfg) s.build()).grammar().toText());
        assertEquals(GrammarShape.AUTHORS, s.grammarShape());
        s.pcfgLevels = 3;
        s.pcfgPerLevel = 4;
        s.pcfgRoots = 2;
        s.pcfgBinaryDraws = 5;
        s.pcfgWords = 30;
        s.pcfgWordDraws = 12;
        GrammarShape shape = GrammarShape.AUTHORS.withLevels(3).withSizes(2, 4, 5, 30, 12);
        assertEquals(shape, s.grammarShape());
        Pcfg p = (Pcfg) s.build();
        assertEquals(Pcfg.random(shape, 3).grammar().toText(), p.grammar().toText());
        assertEquals(8, p.maxLength());
        assertEquals(30, p.vocabulary().size());
        assertEquals(1 + 2 + 3 * 4, p.grammar().numNonterminals());
        assertEquals(2, p.task("pcfg:A").numClasses());
    }

    @Test
    void badShapeKeysNameKeyAndFlag() {
        LanguageSpec authors = new LanguageSpec();
        authors.pcfgLevels = 3;
        expectBad(authors, "pcfgLevels", "--pcfg-levels", "grammar random", "'authors'");
        expectBad(with(randomPcfg(), s -> s.pcfgPerLevel = 0), "pcfgPerLevel", "--pcfg-per-level", ">= 1");
        expectBad(with(randomPcfg(), s -> s.pcfgWordDraws = -2), "pcfgWordDraws", "--pcfg-word-draws");
        expectBad(with(randomPcfg(), s -> s.pcfgLevels = 17), "--pcfg-levels", "at most 16");
        // ignored for another kind
        LanguageSpec h = hmm();
        h.pcfgLevels = 0;
        h.validate();
    }

    @Test
    void tooFewLevelsWarns() throws IOException {
        List<String> warnings = new ArrayList<>();
        Consumer<String> old = Warnings.redirect(warnings::add);
        try {
            LanguageSpec s = randomPcfg();
            s.pcfgLevels = 2;
            s.build();
            s.pcfgLevels = 3;
            s.build();
        } finally {
            Warnings.redirect(old);
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("pcfgLevels 2"), warnings.get(0));
    }

    @Test
    void describeReadsAsBeforeAndAddsTheNewFields() {
        // the defaults read exactly as the reproduction described them before LanguageSpec.describe existed
        assertEquals("HMM, 200 words, 100 states, 10 blocks, length 16, alpha 0.2, seed 1", hmm().describe());
        assertEquals("PCFG, grammar authors", new LanguageSpec().describe());
        assertEquals("PCFG, grammar random, seed 3", randomPcfg().describe());
        LanguageSpec d = new LanguageSpec();
        d.kind = "dyck";
        assertEquals("Dyck, n 8, support equal-count", d.describe());

        LanguageSpec h = hmm();
        h.transitionAlpha = 0.05;
        h.emissionAlpha = 1.0;
        h.permutations = 3;
        h.temperature = 0.1;
        h.leakage = 0.01;
        assertEquals("HMM, 200 words, 100 states, 10 blocks, length 16, alpha 0.2, transition alpha 0.05, "
            + "emission alpha 1.0, 3 permutations at temperature 0.1, leakage 0.01, seed 1", h.describe());
        LanguageSpec p = randomPcfg();
        p.pcfgLevels = 3;
        p.labelMode = "posterior";
        assertEquals("PCFG, grammar random, seed 3, shape 9 roots, 3 levels of 10, 20 binary draws, 200 words, "
            + "100 word draws, label mode posterior", p.describe());
        LanguageSpec dir = hmm();
        dir.dir = "runs/lang";
        assertEquals("language from runs/lang", dir.describe());
    }

    @Test
    void flagsOfTheDefaultsReadAsBefore() {
        assertEquals("--lang hmm --words 200 --states 100 --blocks 10 --length 16 --alpha 0.2 --language-seed 1",
            hmm().flags());
        assertEquals("--lang pcfg --grammar authors", new LanguageSpec().flags());
        assertEquals("--lang pcfg --grammar random --language-seed 3", randomPcfg().flags());
        LanguageSpec h = hmm();
        h.permutations = 4;
        h.temperature = 0.5;
        h.emissionAlpha = 3.0;
        assertEquals("--lang hmm --words 200 --states 100 --blocks 10 --length 16 --alpha 0.2 --language-seed 1 "
            + "--emission-alpha 3.0 --permutations 4 --temperature 0.5", h.flags());
        LanguageSpec file = new LanguageSpec();
        file.grammar = "my rules.txt";
        assertEquals("--lang pcfg --grammar 'my rules.txt'", file.flags());
        assertEquals("'it'\\''s'", LanguageSpecText.quote("it's"));
    }
}
