package flatlm.cli;

import flatlm.eval.TinyRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad inputs a new user tried that got through (issue 26, items 9–12 and 14): each a one-line error, exit 2. */
class BadInputsTest {
    private static final String[] TINY = {"--model.preset", "tiny", "--language.states", "4", "--language.words", "8",
        "--language.length", "5", "--batch-size", "16", "--eval-every", "10", "--checkpoint-every", "10",
        "--data.eval-sentences", "16", "--schedule.warmup", "2"};

    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        run = TinyRun.train(tmp.resolve("run"), 20);
    }


    static String assertOneLineError(CliRunner r, String... fragments) {
        assertEquals(2, r.exitCode(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("flatlm: error: "), r.err());
        assertFalse(line.contains("Exception") || line.contains("internal error"), line);
        for (String f : fragments) assertTrue(line.contains(f), "'" + f + "' in " + line);
        return line;
    }

    // item 9
    @Test
    void cudaOnTheCpuBuildSaysTheGpuBuildIsAbsentAndHowToGetIt() {
        Path out = tmp.resolve("cuda");
        assertOneLineError(CliRunner.run(CliRunner.cat(new String[] {"pretrain", "--out", out.toString(), "--steps", "10", "--device", "cuda"}, TINY)),
            "device cuda", "CPU build", "pytorch-gpu");
    }

    // item 10
    @Test
    void sizesThatCannotFitAreOneLineErrors() {
        assertOneLineError(CliRunner.run("lm", "random", "--out", tmp.resolve("g1").toString(), "--words", "2000000000"),
            "one array holds at most 2^31 - 1");
        assertOneLineError(CliRunner.run("lm", "random", "--out", tmp.resolve("g2").toString(), "--words", "30000000", "--hidden", "64"),
            "GiB");
        assertFalse(Files.exists(tmp.resolve("g1")) || Files.exists(tmp.resolve("g2")));
    }

    @Test
    void numbersOutOfRangeSaySo() {
        String steps = assertOneLineError(CliRunner.run("pretrain", "--print-config", "--steps", "1e12"), "out of the range of int", "1.0E12");
        assertFalse(steps.contains("whole number"), steps);
        String lr = assertOneLineError(CliRunner.run("pretrain", "--print-config", "--optimizer.lr", "1e400"), "1e400", "out of the range");
        assertFalse(lr.contains("Infinity"), lr);
    }

    // item 14
    @Test
    void aNegativePretrainingSeedIsRefusedAsInReproduceAndSweep() {
        assertOneLineError(CliRunner.run("pretrain", "--print-config", "--seed", "-1"), "1..999999", "-1");
    }

    @Test
    void vocabIdsRefuseBlankLinesBosAndControlTokens(@TempDir Path dir) throws Exception {
        Path gen = dir.resolve("gen");
        CliRunner g = CliRunner.run("lm", "random", "--out", gen.toString(), "--words", "10", "--controls", "2", "--layers", "1",
            "--hidden", "8", "--heads", "2", "--ffn", "16");
        assertEquals(0, g.exitCode(), g.err());
        Path ids = dir.resolve("ids.txt");
        String[] stats = {"lang", "stats", "--lang", "causal-lm", "--generator", gen.toString(), "--vocab-ids", ids.toString(),
            "--length", "3", "--sentences", "2", "--control-ids", "14,15"};
        Files.writeString(ids, "4\n\n5\n");
        assertOneLineError(CliRunner.run(stats), "ids.txt:2", "blank line");
        Files.writeString(ids, "0\n4\n5\n");
        assertOneLineError(CliRunner.run(stats), "token id 0", "BOS");
        Files.writeString(ids, "4\n14\n5\n");
        assertOneLineError(CliRunner.run(stats), "token id 14", "control token");
        Files.writeString(ids, "# words\n4\n5\n\n");
        assertEquals(0, CliRunner.run(stats).exitCode(), "comments and blank lines at the end are fine");
    }

    @Test
    void aProbeErrorComesAloneNotAfterAProgressBar() {
        assertOneLineError(CliRunner.run("probe", "--checkpoint", run.toString(), "--task", "hmm:3", "--train", "20", "--test", "10",
            "--seeds", "1", "--layer", "9"), "--layer 9", "layer states 0..");
        assertOneLineError(CliRunner.run("probe", "--checkpoints", run.toString(), "--task", "hmm:3", "--train", "20", "--test", "10",
            "--seeds", "1", "--layer", "9"), "--layer 9");
    }

    @Test
    void reportChecksEveryDirectoryBeforeRewritingAny(@TempDir Path dir) throws Exception {
        Path good = Files.createDirectories(dir.resolve("good")), bad = Files.createDirectories(dir.resolve("bad"));
        Files.copy(Path.of("experiments/tiny.yaml"), good.resolve("plan.yaml"));
        assertOneLineError(CliRunner.run("report", good.toString(), bad.toString()), bad + ": not a reproduction directory");
        try (Stream<Path> s = Files.list(good)) {
            assertEquals(List.of("plan.yaml"), s.map(p -> p.getFileName().toString()).toList(), "the good directory untouched");
        }
    }

    // item 11
    @Test
    void conditionalsRefuseBlankLinesTheInputAsOutputAndADirectory(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("s.jsonl");
        Files.writeString(in, "[\"(\", \")\"]\n\n[\"(\", \")\"]\n");
        String[] lang = {"lang", "conditionals", "--lang", "dyck", "--n", "2", "--in", in.toString(), "--out"};
        assertOneLineError(CliRunner.run(CliRunner.cat(lang, new String[] {dir.resolve("c.jsonl").toString()})), "s.jsonl:2", "blank line");
        assertFalse(Files.exists(dir.resolve("c.jsonl")));

        String sentences = "[\"(\", \")\"]\n";
        Files.writeString(in, sentences);
        assertOneLineError(CliRunner.run(CliRunner.cat(lang, new String[] {in.toString()})), "is the --in file");
        assertEquals(sentences, Files.readString(in), "the input is not replaced");

        Path sub = Files.createDirectories(dir.resolve("sub"));
        assertOneLineError(CliRunner.run(CliRunner.cat(lang, new String[] {sub.toString()})), "--out " + sub + " is a directory");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("s.jsonl", "sub"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no .partial left behind");
        }
    }

    // item 12
    @Test
    void probeTablesOfOtherLayersGetTheirOwnFilesAndALayerColumn() throws Exception {
        String[] probe = {"probe", "--checkpoints", run.toString(), "--task", "hmm:3", "--train", "40", "--test", "20", "--seeds", "1"};
        CliRunner finalLayer = CliRunner.run(probe);
        assertEquals(0, finalLayer.exitCode(), finalLayer.err());
        byte[] paper = Files.readAllBytes(run.resolve("downstream/probe-hmm-3.csv"));
        CliRunner layer1 = CliRunner.run(CliRunner.cat(probe, new String[] {"--layer", "1", "--read", "masked"}));
        assertEquals(0, layer1.exitCode(), layer1.err());
        assertEquals(new String(paper), Files.readString(run.resolve("downstream/probe-hmm-3.csv")), "the final-layer table is kept");
        List<String> csv = Files.readAllLines(run.resolve("downstream/probe-hmm-3-layer1-masked.csv"));
        assertTrue(csv.get(0).startsWith("step,layer,read,"), csv.get(0));
        assertTrue(csv.get(1).startsWith("0,1,masked,"), csv.get(1));
        assertTrue(Files.readString(run.resolve("downstream/probe-hmm-3-layer1-masked.json")).contains("\"layer\" : \"1\""));
        assertTrue(new String(paper).lines().skip(1).allMatch(l -> l.contains(",final,concat,")), new String(paper));
    }
}
