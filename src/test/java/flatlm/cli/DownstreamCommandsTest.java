package flatlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.eval.TinyRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DownstreamCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SMALL = {"--train", "200", "--test", "100", "--seeds", "2"};
    private static final String[] HMM = {"--lang", "hmm", "--states", "4", "--words", "8", "--blocks", "2", "--length", "7",
        "--alpha", "0.2"};

    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        run = TinyRun.train(tmp.resolve("run"), 20);
    }


    private static void assertOneLineError(CliRunner r, String... fragments) {
        assertEquals(2, r.exitCode(), r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("flatlm: error: "), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        for (String f : fragments) assertTrue(last.contains(f), "'" + f + "' in " + last);
    }

    @Test
    void probeOfACheckpointPrintsAccuracyAndWritesJson() throws Exception {
        Path out = tmp.resolve("probe.json");
        CliRunner r = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--json",
            "--out", out.toString()}, SMALL));
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(20, j.get("step").asInt());
        assertEquals("probe", j.get("method").asText());
        assertEquals(4, j.get("classes").asInt());
        assertEquals(2, j.get("seeds").size());
        double acc = j.get("accuracy_mean").asDouble();
        assertTrue(acc > 0.3 && acc <= 1, "accuracy " + acc);
        assertTrue(j.get("accuracy_std").asDouble() >= 0);
        assertTrue(j.has("bayes_accuracy_mean"));
        assertEquals(acc, JSON.readTree(Files.readString(out)).get("accuracy_mean").asDouble());
        CliRunner again = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--json"}, SMALL));
        assertEquals(acc, JSON.readTree(again.out()).get("accuracy_mean").asDouble(), 0.0, "same seed, same result");

        CliRunner text = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6",
            "--solver", "adamw", "--epochs", "2", "--project", "16"}, SMALL));
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("accuracy ") && text.out().contains("±") && text.out().contains("AdamW")
            && text.out().contains("projected to 16"), text.out());
    }

    @Test
    void probeOfEveryCheckpointWritesATable() throws Exception {
        CliRunner r = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoints", run.toString(), "--task", "hmm:6"}, SMALL));
        assertEquals(0, r.exitCode(), r.err());
        Path csv = run.resolve("downstream/probe-hmm-6.csv");
        List<String> lines = Files.readAllLines(csv);
        assertEquals("step,layer,read,accuracy_mean,accuracy_std,ce,entropy,kl,log10_kl", lines.get(0));
        assertEquals(List.of("0", "10", "20"), lines.subList(1, 4).stream().map(l -> l.split(",")[0]).toList());
        assertTrue(lines.get(1).startsWith("0,final,concat,"), lines.get(1));
        assertTrue(Files.isRegularFile(run.resolve("downstream/probe-hmm-6.json")));
        assertTrue(r.out().contains("step") && r.out().contains("KL"), r.out());
    }

    @Test
    void finetuneOfACheckpoint() throws Exception {
        CliRunner r = CliRunner.run("finetune", "--checkpoint", run.toString(), "--task", "hmm:6", "--train", "64",
            "--test", "32", "--seeds", "1", "--epochs", "1", "--warmup", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("finetune", j.get("method").asText());
        assertEquals(2, j.get("seeds").get(0).get("iterations").asInt(), "64 examples in batches of 32, one epoch");
        CliRunner text = CliRunner.run("finetune", "--checkpoint", run.toString(), "--task", "hmm:6", "--train", "32",
            "--test", "16", "--seeds", "1", "--epochs", "1");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("[CLS]") && text.out().contains("accuracy"), text.out());
    }

    @Test
    void lookupOfALanguage() throws Exception {
        CliRunner r = CliRunner.run(CliRunner.cat(new String[] {"lookup", "--task", "hmm:6", "--json"}, HMM, SMALL));
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("lookup", j.get("method").asText());
        assertEquals(7 * 8, j.get("dimension").asInt());
        assertEquals("hmm", j.get("language").get("kind").asText());
        CliRunner text = CliRunner.run(CliRunner.cat(new String[] {"lookup", "--task", "hmm:6"}, HMM, SMALL));
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("exact conditionals") && text.out().contains("bayes"), text.out());
    }

    @Test
    void probeOfEveryLayerPrintsATableAndJson() throws Exception {
        CliRunner r = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--layer", "all",
            "--json"}, SMALL));
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("concat", j.get("read").asText());
        JsonNode layers = j.get("layers");
        // the tiny preset: pre-LN, 1 block: embedding, block 1, final LayerNorm
        assertEquals(3, layers.size());
        assertEquals("embedding", layers.get(0).get("name").asText());
        assertEquals("final LayerNorm", layers.get(2).get("name").asText());
        for (JsonNode l : layers) {
            assertTrue(l.get("result").get("accuracy_mean").asDouble() > 0.2, l.toString());
            assertTrue(l.get("result").get("cross_entropy_mean").asDouble() > 0, l.toString());
        }
        // the last layer is the default probe, exactly
        CliRunner fin = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--json"}, SMALL));
        assertEquals(JSON.readTree(fin.out()).get("accuracy_mean").asDouble(),
            layers.get(2).get("result").get("accuracy_mean").asDouble(), 0.0);
        CliRunner three = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--json",
            "--layer", "2"}, SMALL));
        assertEquals(JSON.readTree(fin.out()).get("seeds"), JSON.readTree(three.out()).get("seeds"));

        CliRunner text = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--layer", "all",
            "--read", "masked"}, SMALL));
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("block 1") && text.out().contains("probe CE") && text.out().contains("masked")
            && text.out().contains("bayes"), text.out());
        CliRunner one = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--layer", "1",
            "--read", "masked"}, SMALL));
        assertEquals(0, one.exitCode(), one.err());
        assertTrue(one.out().contains("layer 1 (block 1) state at word 6 masked"), one.out());

        CliRunner lookup = CliRunner.run(CliRunner.cat(new String[] {"lookup", "--task", "hmm:6", "--read", "masked", "--json"}, HMM, SMALL));
        assertEquals(0, lookup.exitCode(), lookup.err());
        assertEquals(16, JSON.readTree(lookup.out()).get("dimension").asInt());
    }

    @Test
    void badRepresentationsAreOneLineErrors() throws Exception {
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--layer", "99"),
            "--layer 99", "layer states 0..2 (0 embedding, 1 block 1, 2 final LayerNorm)");
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--layer", "99", "--read", "masked"),
            "--layer 99");
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--layer", "top"), "--layer", "top");
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--read", "foo"), "--read", "foo");
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--layer", "all", "--read", "foo"),
            "--read", "foo");
        assertOneLineError(CliRunner.run("probe", "--checkpoints", run.toString(), "--task", "hmm:6", "--layer", "all"), "--layer all");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"lookup", "--task", "hmm:6", "--layer", "2"}, HMM)), "no layers");
        // an LSTM has no final LayerNorm: embedding, lstm 1 .. lstm L
        Path lstm = tmp.resolve("lstm");
        flatlm.train.TrainConfig c = TinyRun.config(10);
        c.model.preset = "lstm-tiny";
        flatlm.train.Trainer.start(c, lstm).run(0, null);
        CliRunner ok = CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", lstm.toString(), "--task", "hmm:6", "--layer", "all",
            "--json"}, SMALL));
        assertEquals(0, ok.exitCode(), ok.err());
        int n = JSON.readTree(ok.out()).get("layers").size();
        assertEquals("embedding", JSON.readTree(ok.out()).get("layers").get(0).get("name").asText());
        assertOneLineError(CliRunner.run("probe", "--checkpoint", lstm.toString(), "--task", "hmm:6", "--layer", Integer.toString(n)),
            "--layer " + n, "this lstm has layer states 0.." + (n - 1));
    }

    @Test
    void badInputIsAOneLineError() throws Exception {
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "pcfg:A"),
            "pcfg:A", "does not exist", "hmm:6");
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "bogus"), "bogus");
        assertOneLineError(CliRunner.run("finetune", "--checkpoint", run.toString(), "--task", "hmm:9"), "hmm:9");
        assertOneLineError(CliRunner.run("probe", "--checkpoint", tmp.resolve("missing").toString(), "--task", "hmm:6"),
            "missing");
        assertOneLineError(CliRunner.run("probe", "--checkpoints", tmp.resolve("missing").toString(), "--task", "hmm:6"),
            "missing");
        assertOneLineError(CliRunner.run("probe", "--task", "hmm:6"), "--checkpoint");
        assertOneLineError(CliRunner.run("lookup", "--lang", "dyck", "--n", "4", "--task", "dyck"), "dyck");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"lookup", "--task", "pcfg:B"}, HMM)), "pcfg:B");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"probe", "--checkpoint", run.toString(), "--task", "hmm:6",
            "--solver", "sgd"})), "sgd");

        // a corrupt checkpoint
        Path bad = tmp.resolve("bad");
        TinyRun.train(bad, 10);
        Files.write(bad.resolve("checkpoints/step-0000010/model.safetensors"), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        assertOneLineError(CliRunner.run("probe", "--checkpoint", bad.toString(), "--task", "hmm:6"), "checksum");

        // --language of another language than the checkpoint's
        Path other = tmp.resolve("other-lang");
        CliRunner g = CliRunner.run(CliRunner.cat(new String[] {"lang", "generate", "--sentences", "10", "--seed", "1", "--out",
            other.toString(), "--language-seed", "2"}, HMM));
        assertEquals(0, g.exitCode(), g.err());
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--language",
            other.toString()), "not the language");
        Path same = tmp.resolve("same-lang");
        CliRunner g2 = CliRunner.run(CliRunner.cat(new String[] {"lang", "generate", "--sentences", "10", "--seed", "1", "--out",
            same.toString()}, HMM));
        assertEquals(0, g2.exitCode(), g2.err());
        CliRunner ok = CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:6", "--language",
            same.toString(), "--train", "50", "--test", "20", "--seeds", "1");
        assertEquals(0, ok.exitCode(), ok.err());
    }
}
