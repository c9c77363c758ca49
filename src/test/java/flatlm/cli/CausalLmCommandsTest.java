package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.lang.Languages;
import flatlm.lang.causal.HfTensors;
import flatlm.lang.causal.TinyOpt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The causal-lm language through the CLI: conditionals, generate/reload, flags, and bad generator directories. */
class CausalLmCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;

    private Path generator() throws Exception {
        Path dir = new TinyOpt(9, 4, 2, 6, 2, 12, true, true, 31).write(tmp.resolve("gen"), "model.");
        Files.writeString(dir.resolve("vocab.json"), "{\"<s>\":0,\"<pad>\":1,\"</s>\":2,\"<unk>\":3,\"a\":4,\"b\":5,\"c\":6,\"d\":7,\"e\":8}");
        return dir;
    }

    private static void assertOneLineError(CliRunner r, String... fragments) {
        assertEquals(2, r.exitCode(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("Exception"), "no exception name: " + err);
        for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
    }

    @Test
    void conditionalsCommandWritesTokenStringMapsEqualToTheLanguage() throws Exception {
        Path gen = generator();
        Path in = tmp.resolve("s.jsonl");
        Files.writeString(in, "[\"a\",\"e\",\"e\",\"b\",\"c\"]\n");
        Path out = tmp.resolve("c.jsonl");
        CliRunner r = CliRunner.run("lang", "conditionals", "--lang", "causal-lm", "--generator", gen.toString(),
            "--length", "5", "--in", in.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode rows = JSON.readTree(Files.readAllLines(out).get(0));
        LanguageSpec spec = new LanguageSpec();
        spec.kind = "causal-lm";
        spec.generator = gen.toString();
        spec.length = 5;
        Language lang = spec.build();
        assertEquals(List.of("a", "b", "c", "d", "e"), lang.vocabulary().words(), "default: every id but <s> <pad> </s> <unk>");
        double[][] p = lang.conditionals(new int[] {0, 4, 4, 1, 2});
        assertEquals(5, rows.size());
        for (int i = 0; i < 5; i++) {
            for (int v = 0; v < 5; v++) assertEquals(p[i][v], rows.get(i).get(lang.vocabulary().word(v)).asDouble(), 1e-15);
        }
    }

    @Test
    void generatedLanguageReloadsWithTheSameConditionalsAndTask() throws Exception {
        Path gen = generator();
        Path ids = tmp.resolve("ids.txt");
        Files.writeString(ids, "8\n4\n6\n");
        Path corpus = tmp.resolve("corpus");
        CliRunner r = CliRunner.run("lang", "generate", "--lang", "causal-lm", "--generator", gen.toString(),
            "--vocab-ids", ids.toString(), "--length", "4", "--temperature", "0.8", "--control-ids", "5,7",
            "--sentences", "20", "--out", corpus.toString());
        assertEquals(0, r.exitCode(), r.err());
        Language back = Languages.load(corpus);
        LanguageOptions o = new LanguageOptions();
        Defaults.cli(o).parseArgs("--lang", "causal-lm", "--generator", gen.toString(), "--vocab-ids", ids.toString(),
            "--length", "4", "--temperature", "0.8", "--control-ids", "5,7");
        Language direct = o.build();
        assertEquals(List.of("e", "a", "c"), back.vocabulary().words());
        int[] x = {2, 0, 0, 1};
        for (int i = 0; i < 4; i++) assertArrayEquals(direct.conditionals(x)[i], back.conditionals(x)[i], 0.0);
        assertEquals("causal-lm:class", back.tasks().get(0).name());
        // flags() parse back to the same spec
        LanguageOptions again = new LanguageOptions();
        Defaults.cli(again).parseArgs(CommandLine.Help.Ansi.OFF.string(o.spec().flags()).split(" "));
        assertEquals(o.spec().flags(), again.spec().flags());
        // a changed generator is refused
        Files.writeString(gen.resolve("config.json"), Files.readString(gen.resolve("config.json")) + " ");
        CliRunner stats = CliRunner.run("lang", "stats", "--language", corpus.toString(), "--sentences", "2");
        assertOneLineError(stats, "config.json", "changed");
    }

    @Test
    void statsGivesAnEntropyBelowLogV() throws Exception {
        CliRunner r = CliRunner.run("lang", "stats", "--lang", "causal-lm", "--generator", generator().toString(),
            "--length", "6", "--sentences", "40", "--json");
        assertEquals(0, r.exitCode(), r.err());
        double h = JSON.readTree(r.out()).get("entropy").asDouble();
        assertTrue(h > 0 && h < Math.log(5), "entropy " + h);
    }

    @Test
    void badGeneratorDirectoriesAreOneLineErrorsNamingFileAndTensor() throws Exception {
        Path gen = generator();
        String[] base = {"lang", "stats", "--lang", "causal-lm", "--length", "4", "--sentences", "2", "--generator"};
        assertOneLineError(CliRunner.run(concat(base, tmp.resolve("nowhere").toString())), "nowhere", "config.json");

        ObjectNode cfg = (ObjectNode) JSON.readTree(gen.resolve("config.json").toFile());
        Path gpt = copy(gen, "gpt");
        JSON.writeValue(gpt.resolve("config.json").toFile(), cfg.deepCopy().put("model_type", "llama"));
        assertOneLineError(CliRunner.run(concat(base, gpt.toString())), "config.json", "model_type 'llama'");

        Path shape = copy(gen, "shape");
        JSON.writeValue(shape.resolve("config.json").toFile(), cfg.deepCopy().put("ffn_dim", 7));
        assertOneLineError(CliRunner.run(concat(base, shape.toString())), "model.safetensors",
            "decoder.layers.0.fc1.weight", "[6, 4]", "[7, 4]");

        Path missing = copy(gen, "missing");
        Map<String, HfTensors.Tensor> t = HfTensors.read(gen.resolve("model.safetensors"));
        t.remove("model.decoder.layers.1.fc2.bias");
        HfTensors.write(missing.resolve("model.safetensors"), t, true);
        assertOneLineError(CliRunner.run(concat(base, missing.toString())), "model.safetensors", "decoder.layers.1.fc2.bias");

        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.copy(gen.resolve("config.json"), bin.resolve("config.json"));
        Files.writeString(bin.resolve("pytorch_model.bin"), "x");
        assertOneLineError(CliRunner.run(concat(base, bin.toString())), "no model.safetensors", "pytorch_model.bin");

        Path ids = tmp.resolve("ids.txt");
        Files.writeString(ids, "4\n9\n");
        assertOneLineError(CliRunner.run(concat(base, gen.toString(), "--vocab-ids", ids.toString())),
            "ids.txt:2", "token id 9", "config.json");
        assertOneLineError(CliRunner.run("lang", "stats", "--lang", "causal-lm", "--length", "12", "--sentences", "2",
            "--generator", gen.toString()), "max_position_embeddings");
        assertOneLineError(CliRunner.run(concat(base, gen.toString(), "--control-ids", "5,9")), "control id 9");
    }

    @Test
    void randomGeneratorIsSeededAndGivesALanguageWithAClassTask() throws Exception {
        String[] args = {"lm", "random", "--words", "12", "--controls", "3", "--layers", "1", "--hidden", "8", "--heads", "2",
            "--ffn", "16", "--max-positions", "10", "--seed", "4", "--out"};
        CliRunner r = CliRunner.run(concat(args, tmp.resolve("a").toString()));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("--control-ids 16,17,18"), r.out());
        assertEquals(0, CliRunner.run(concat(args, tmp.resolve("b").toString())).exitCode());
        for (String f : new String[] {"config.json", "model.safetensors", "vocab.json"}) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(f)), Files.readAllBytes(tmp.resolve("b").resolve(f)), f);
        }
        assertOneLineError(CliRunner.run(concat(args, tmp.resolve("a").toString())), "already exists");
        LanguageOptions o = new LanguageOptions();
        Defaults.cli(o).parseArgs("--lang", "causal-lm", "--generator", tmp.resolve("a").toString(), "--length", "5",
            "--control-ids", "16,17,18");
        Language lang = o.build();
        assertEquals(12, lang.vocabulary().size(), "the words w0..w11 only");
        assertEquals("w0", lang.vocabulary().word(0));
        assertEquals(3, lang.tasks().get(0).numClasses());
        // without --control-ids the control tokens are still not words (named <cK> in vocab.json)
        o = new LanguageOptions();
        Defaults.cli(o).parseArgs("--lang", "causal-lm", "--generator", tmp.resolve("a").toString(), "--length", "5");
        assertEquals(12, o.build().vocabulary().size());
        assertTrue(o.build().tasks().isEmpty());
    }

    private Path copy(Path gen, String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(gen.resolve(f), d.resolve(f));
        return d;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
