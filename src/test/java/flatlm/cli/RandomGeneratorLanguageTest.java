package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.lang.Languages;
import flatlm.lang.Sentence;
import flatlm.lang.causal.CausalLm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --generator random}: the generator of {@code lm random} built in memory, through specs, flags and definitions. */
class RandomGeneratorLanguageTest {
    @TempDir Path tmp;

    private static LanguageOptions parse(String... args) {
        LanguageOptions o = new LanguageOptions();
        Defaults.cli(o).parseArgs(args);
        return o;
    }

    private static void assertSameLanguage(Language a, Language b, int sentences) {
        assertEquals(a.vocabulary().words(), b.vocabulary().words());
        SplittableRandom ra = new SplittableRandom(5), rb = new SplittableRandom(5);
        for (int k = 0; k < sentences; k++) {
            Sentence sa = a.sample(ra), sb = b.sample(rb);
            assertArrayEquals(sa.words(), sb.words(), "same samples");
            double[][] pa = a.conditionals(sa.words()), pb = b.conditionals(sb.words());
            for (int i = 0; i < pa.length; i++) assertArrayEquals(pa[i], pb[i], 0.0, "bit-identical conditionals");
        }
    }

    @Test
    void sameSeedGivesTheLanguageOfLmRandomOnDisk() throws Exception {
        Path gen = tmp.resolve("gen");
        CliRunner r = CliRunner.run("lm", "random", "--out", gen.toString(), "--words", "7", "--controls", "3",
            "--layers", "1", "--hidden", "8", "--heads", "2", "--ffn", "16", "--logit-std", "3", "--seed", "4");
        assertEquals(0, r.exitCode(), r.err());
        Language disk = parse("--lang", "causal-lm", "--generator", gen.toString(), "--length", "4",
            "--control-ids", "11,12,13").build();
        Language memory = parse("--lang", "causal-lm", "--generator", "random", "--words", "7", "--lm-controls", "3",
            "--lm-layers", "1", "--lm-hidden", "8", "--lm-heads", "2", "--lm-ffn", "16", "--lm-logit-std", "3",
            "--language-seed", "4", "--length", "4").build();
        assertEquals(3, memory.tasks().get(0).numClasses(), "all control tokens are the class prefix by default");
        assertSameLanguage(disk, memory, 5);
        // the defaults of both are the same (one home: RandomOpt)
        Path dflt = tmp.resolve("dflt");
        assertEquals(0, CliRunner.run("lm", "random", "--out", dflt.toString(), "--words", "5").exitCode());
        assertSameLanguage(parse("--lang", "causal-lm", "--generator", dflt.toString(), "--length", "3").build(),
            parse("--lang", "causal-lm", "--generator", "random", "--words", "5", "--length", "3").build(), 2);
        // another seed, another language
        Language other = parse("--lang", "causal-lm", "--generator", "random", "--words", "5", "--length", "3",
            "--language-seed", "2").build();
        int[] x = {0, 1, 2};
        assertNotEquals(other.conditionals(x)[0][0], parse("--lang", "causal-lm", "--generator", "random", "--words", "5",
            "--length", "3").build().conditionals(x)[0][0]);
    }

    @Test
    void oneRowEqualsTheFullConditionals() throws Exception {
        for (String controls : new String[] {"0", "3"}) {
            Language lm = parse("--lang", "causal-lm", "--generator", "random", "--words", "6", "--lm-controls", controls,
                "--lm-layers", "1", "--lm-hidden", "8", "--lm-heads", "2", "--length", "5").build();
            SplittableRandom rng = new SplittableRandom(3);
            for (int k = 0; k < 3; k++) {
                int[] w = lm.sample(rng).words();
                double[][] all = lm.conditionals(w);
                for (int i = 0; i < w.length; i++) assertArrayEquals(all[i], lm.conditional(w, i), 1e-12, "row " + i);
            }
        }
    }

    @Test
    void writtenDefinitionReloadsWithoutAnyGeneratorDirectory() throws Exception {
        LanguageOptions o = parse("--lang", "causal-lm", "--generator", "random", "--words", "6", "--lm-controls", "2",
            "--lm-hidden", "16", "--language-seed", "9", "--length", "4", "--temperature", "0.7");
        Language lm = o.build();
        Path dir = tmp.resolve("lang");
        lm.writeDefinition(dir);
        JsonNode def = new ObjectMapper().readTree(dir.resolve("language.json").toFile());
        assertEquals("random", def.get("generator").asText());
        assertFalse(def.has("sha256"), "no files to check");
        assertEquals(16, def.get("random").get("hidden").asInt());
        assertEquals(9, def.get("random").get("seed").asInt());
        Language back = Languages.load(dir);
        assertNull(((CausalLm) back).generator());
        assertEquals(0.7, ((CausalLm) back).temperature(), 0);
        assertSameLanguage(lm, back, 3);
        // through the CLI: lang generate, then stats on the written language
        Path corpus = tmp.resolve("corpus");
        CliRunner g = CliRunner.run("lang", "generate", "--lang", "causal-lm", "--generator", "random", "--words", "6",
            "--lm-controls", "2", "--length", "4", "--sentences", "5", "--out", corpus.toString());
        assertEquals(0, g.exitCode(), g.err());
        assertEquals(0, CliRunner.run("lang", "stats", "--language", corpus.toString(), "--sentences", "3").exitCode());
    }

    @Test
    void describeAndFlagsRoundTrip() {
        LanguageOptions o = parse("--lang", "causal-lm", "--generator", "random", "--words", "50", "--length", "8",
            "--language-seed", "3", "--lm-controls", "4", "--lm-layers", "1", "--lm-hidden", "32", "--lm-heads", "2",
            "--lm-ffn", "64", "--lm-max-positions", "20", "--lm-logit-std", "2.5", "--lm-tied");
        LanguageSpec s = o.spec();
        String flags = s.flags();
        assertTrue(flags.contains("--generator random") && flags.contains("--words 50") && flags.contains("--lm-tied"), flags);
        LanguageSpec again = parse(flags.split(" ")).spec();
        assertEquals(flags, again.flags());
        assertEquals(s.randomGenerator(), again.randomGenerator());
        assertEquals(s.describe(), again.describe());
        assertEquals("causal LM random generator (50 words, 4 controls, 1 layers, d 32, 2 heads, MLP 64, logit std 2.5, "
            + "max positions 20, tied head, seed 3), length 8, vocabulary default", s.describe());
        // defaults: only words and seed are written
        LanguageSpec plain = parse("--lang", "causal-lm", "--generator", "random", "--length", "8").spec();
        assertEquals("--lang causal-lm --generator random --words 200 --language-seed 1 --length 8", plain.flags());
        assertEquals("causal LM random generator (200 words, 2 layers, d 64, 4 heads, MLP 256, logit std 2.0, seed 1), "
            + "length 8, vocabulary default", plain.describe());
        // a config file's language section binds the same keys
        LanguageSpec fromYaml = flatlm.util.Configs.bind(flatlm.util.Configs.toTree(s), LanguageSpec.class, "test");
        assertEquals(s.randomGenerator(), fromYaml.randomGenerator());
    }

    private static void assertOneLineError(String fragment, String... args) {
        String[] all = new String[args.length + 9];
        System.arraycopy(new String[] {"lang", "stats", "--lang", "causal-lm", "--sentences", "2", "--length", "4",
            "--generator"}, 0, all, 0, 9);
        System.arraycopy(args, 0, all, 9, args.length);
        CliRunner r = CliRunner.run(all);
        assertEquals(2, r.exitCode(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n") || err.contains("Exception"), "one line: " + err);
        assertTrue(err.contains(fragment), "'" + fragment + "' in: " + err);
    }

    @Test
    void badShapeKeysGetOneLineErrors() throws Exception {
        assertOneLineError("lmHidden (--lm-hidden) 30 is not a multiple of lmHeads", "random", "--lm-hidden", "30");
        assertOneLineError("lmLayers (--lm-layers) must be >= 1", "random", "--lm-layers", "0");
        assertOneLineError("lmLogitStd (--lm-logit-std) must be positive", "random", "--lm-logit-std", "0");
        assertOneLineError("lmControls (--lm-controls) must be 0 or at least 2", "random", "--lm-controls", "1");
        assertOneLineError("words (--words) must be >= 2", "random", "--words", "1");
        assertOneLineError("--lm-max-positions", "random", "--lm-max-positions", "4");
        assertOneLineError("control id 9 out of range", "random", "--words", "5", "--control-ids", "8,9");
        Path gen = tmp.resolve("gen");
        assertEquals(0, CliRunner.run("lm", "random", "--out", gen.toString(), "--words", "5").exitCode());
        assertOneLineError("lmLayers (--lm-layers) needs generator random", gen.toString(), "--lm-layers", "2");
    }
}
