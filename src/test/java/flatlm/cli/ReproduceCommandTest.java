package flatlm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flatlm reproduce --preset tiny}: every code path end to end, the report's files, reuse
 * of finished runs (also after a kill), {@code flatlm report} without training, and the paper
 * preset's plan.
 */
class ReproduceCommandTest {
    @TempDir
    static Path shared;
    /** An uninterrupted tiny reproduction (2 workers): its output and its results.csv bytes. */
    static CliRunner first;
    static byte[] uninterruptedCsv, uninterruptedLayers;

    @BeforeAll
    static void uninterrupted() throws IOException {
        first = CliRunner.run("reproduce", "--preset", "tiny", "--out", shared.resolve("r").toString(), "--jobs", "2", "--quiet");
        assertEquals(0, first.exitCode(), first.err());
        uninterruptedCsv = Files.readAllBytes(shared.resolve("r/results.csv"));
        uninterruptedLayers = Files.readAllBytes(shared.resolve("r/probe_layers.csv"));
    }

    @Test
    void tinyPresetWritesTheReportAndReusesEverythingOnARerun() throws IOException {
        Path out = shared.resolve("r");
        assertTrue(first.out().contains("22 runs trained, 0 reused"), first.out());
        for (String f : List.of("report.md", "report.html", "results.csv", "plan.yaml", "dyck/dyck.md"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8);
        // per pre-training seed (2): adamw 0/20/40, sgd 10/20, 4 algorithms, 2 sizes + 2 embedded; once: the lookup
        // table, 2 sparsities (+ recovered) of seed 1; every model at 2 probe training sizes (50, 200); and per seed
        // 3 noise continuations (sgd k 2, 8, exact), each step 10 unprobed (probe_train 0) and step 20 read two ways
        assertEquals(1 + 2 * (2 * (3 + 2 + 4 + 4) + 1 + 2 + 2) + 2 * 3 * (1 + 2 * 2), csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        int seedCol = header.indexOf("seed"), sizeCol = header.indexOf("probe_train");
        java.util.Set<String> seeds = new java.util.TreeSet<>(), sizes = new java.util.TreeSet<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] v = line.split(",", -1);
            seeds.add(v[seedCol]);
            sizes.add(v[sizeCol]);
        }
        assertEquals(java.util.Set.of("-1", "1", "2"), seeds);
        assertEquals(java.util.Set.of("0", "50", "200"), sizes);
        // recovery training kept the pruned zeros: half of the prunable entries are still zero
        Path recovered;
        try (Stream<Path> s = Files.walk(out.resolve("runs"))) {
            recovered = s.filter(p -> p.getFileName().toString().equals("recover-sparsity-0.50")).findFirst().orElseThrow();
        }
        java.util.List<Path> cps = flatlm.train.Checkpoint.list(recovered.resolve("checkpoints"));
        flatlm.model.MlmModel model = flatlm.train.Checkpoint.opened(cps.get(cps.size() - 1)).model("cpu");
        long zeros = 0, total = 0;
        for (String name : flatlm.model.Pruning.prunableNames(model)) {
            double[] w = flatlm.model.Torch.toDoubles(model.namedParameters().get(name));
            total += w.length;
            for (double v : w) if (v == 0) zeros++;
        }
        assertTrue(cps.size() >= 2 && zeros >= total / 2, zeros + " zeros of " + total + " after recovery");
        String md = Files.readString(out.resolve("report.md"));
        for (String section : List.of("convergence", "size", "lgorithm", "Dyck", "inear regime", "tatistics", "label noise at saturation"))
            assertTrue(md.contains(section), "report.md lacks " + section);
        // per-layer probes (measure.probeLayers): per seed, 9 models (adamw step 0 and last, sgd, 2 sizes, 4 algorithms),
        // 2 reads, 3 layer states of the 1-block tiny transformer (embedding, block 1, final LayerNorm)
        List<String> layers = Files.readAllLines(out.resolve("probe_layers.csv"), StandardCharsets.UTF_8);
        assertEquals(1 + 2 * 9 * 2 * 3, layers.size(), String.join("\n", layers));
        assertTrue(md.contains("## 8 Probe by layer") && md.contains("Saturated − random initialisation")
            && md.contains("Probe representation (`measure.probeRepresentation`): hmm:3 (final/concat)"), md);
        assertLayerFinalConcatIsTheMainProbe(csv, layers);
        Map<String, FileTime> before = modelFiles(out);

        CliRunner again = CliRunner.run("reproduce", "--preset", "tiny", "--out", out.toString(), "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("0 runs trained, 22 reused"), again.out());
        assertEquals(before, modelFiles(out));
        assertEquals(csv, Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8));
        assertEquals(layers, Files.readAllLines(out.resolve("probe_layers.csv"), StandardCharsets.UTF_8));

        Files.delete(out.resolve("report.md"));
        Files.delete(out.resolve("results.csv"));
        CliRunner report = CliRunner.run("report", out.toString());
        assertEquals(0, report.exitCode(), report.err());
        assertTrue(Files.isRegularFile(out.resolve("report.md")));
        assertTrue(Files.readString(out.resolve("report.md")).contains("Wall-clock: "), "the rebuilt report keeps its wall-clock time");
        assertEquals(before, modelFiles(out));
        assertArrayEquals(uninterruptedCsv, Files.readAllBytes(out.resolve("results.csv")), "flatlm report rebuilds the same bytes");
    }

    /** The per-layer probe at the final layer, read concat, is the main probe of the same model exactly. */
    private static void assertLayerFinalConcatIsTheMainProbe(List<String> csv, List<String> layers) {
        List<String> h = List.of(csv.get(0).split(",")), lh = List.of(layers.get(0).split(","));
        int checked = 0;
        for (String l : layers.subList(1, layers.size())) {
            String[] v = l.split(",", -1);
            if (!v[lh.indexOf("read")].equals("concat") || !v[lh.indexOf("layer_name")].equals("final LayerNorm")) continue;
            for (String line : csv.subList(1, csv.size())) {
                String[] w = line.split(",", -1);
                if (w[h.indexOf("checkpoint")].isEmpty() || !v[lh.indexOf("checkpoint")].endsWith(w[h.indexOf("checkpoint")])
                    || !w[h.indexOf("probe_train")].equals(v[lh.indexOf("probe_train")]) || !w[h.indexOf("variant")].isEmpty()) continue;
                assertEquals(Double.parseDouble(w[h.indexOf("acc_hmm:3_mean")]), Double.parseDouble(v[lh.indexOf("acc_mean")]), 1e-5, l);
                checked++;
            }
        }
        assertTrue(checked >= 18, "checked " + checked);
    }

    /**
     * Starts {@code reproduce --preset tiny} in a child JVM (1 worker), output to child.out; it
     * stops (waits to be killed) once its {@code holdCount}-th log line matching {@code holdAt} is written.
     */
    private static Process child(Path dir, Path out, String holdAt, int holdCount) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Dflatlm.test.holdAt=" + holdAt, "-Dflatlm.test.holdCount=" + holdCount,
            "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "reproduce", "--preset", "tiny", "--out", out.toString(), "--jobs", "1", "--quiet");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("child.out").toFile()));
        return pb.start();
    }

    /** Waits (10 min at most) until {@code log} holds {@code n} lines matching {@code regex} past {@code start}, then kills {@code p}. */
    private static boolean killAt(Process p, Path log, int start, String regex, int n) throws Exception {
        java.util.regex.Pattern re = java.util.regex.Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        boolean seen = false;
        while (!seen && System.nanoTime() < deadline && p.isAlive()) {
            String all = Files.isRegularFile(log) ? Files.readString(log) : "";
            seen = all.length() > start && all.substring(start).lines().filter(l -> re.matcher(l).find()).count() >= n;
            if (!seen) Thread.sleep(50);
        }
        boolean alive = p.isAlive();
        p.destroyForcibly().waitFor();
        return seen && alive;
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    @Test
    void killedAtSeveralMomentsAndRerunGivesTheSameResultsCsvBytes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("r");
        Path log = out.resolve("reproduce.log");
        // kill -9 while training (after 2 runs finished), while measuring (3 more models measured), while pruning or Dyck;
        // the child stops at each moment (it waits to be killed), so each kill lands there
        List<Map.Entry<String, Integer>> moments = List.of(Map.entry("finished ", 2), Map.entry("measured ", 3),
            Map.entry("measured pruning|dyck: n", 1));
        for (var moment : moments) {
            int start = Files.isRegularFile(log) ? Files.readString(log).length() : 0;
            Process p = child(dir, out, moment.getKey(), moment.getValue());
            assertTrue(killAt(p, log, start, moment.getKey(), moment.getValue()),
                "not killed at '" + moment.getKey() + "' x" + moment.getValue() + ": " + Files.readString(dir.resolve("child.out")));
        }
        int killed = moments.size();
        CliRunner last = CliRunner.run("reproduce", "--preset", "tiny", "--out", out.toString(), "--jobs", "2", "--quiet");
        assertEquals(0, last.exitCode(), last.err());
        assertArrayEquals(uninterruptedCsv, Files.readAllBytes(out.resolve("results.csv")),
            "results.csv after " + killed + " kills differs from the uninterrupted run's");
        assertArrayEquals(uninterruptedLayers, Files.readAllBytes(out.resolve("probe_layers.csv")), "probe_layers.csv after kills");
    }

    @Test
    void aKilledReproductionRedoesNoFinishedRun(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("r");
        Path log = out.resolve("reproduce.log");
        // killed once two runs are finished and the third is under way (it waits at its start to be killed)
        Process p = child(dir, out, "^\\[[0-9:]+\\] train ", 3);
        assertTrue(killAt(p, log, 0, "^\\[[0-9:]+\\] train ", 3), "the child ended before it could be killed: "
            + Files.readString(dir.resolve("child.out")));
        List<Path> finished = new ArrayList<>();
        try (Stream<Path> s = Files.list(out.resolve("runs"))) {
            s.filter(r -> Files.isRegularFile(r.resolve("done.json"))).forEach(finished::add);
        }
        assertTrue(finished.size() >= 2, "finished runs before the kill: " + finished);
        Map<String, FileTime> before = modelFiles(out);

        CliRunner again = CliRunner.run("reproduce", "--preset", "tiny", "--out", out.toString(), "--jobs", "2", "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        String log2 = Files.readString(log);
        String second = log2.substring(log2.lastIndexOf("reproduction 'tiny'"));
        for (Path r : finished) {
            String name = r.getFileName().toString();
            assertTrue(second.contains("reuse ") && second.contains(name), "not reused: " + name + "\n" + second);
            // runs/EXPERIMENT-LABEL-sSEED-HASH is logged as "train EXPERIMENT/LABEL/sSEED: ..."
            String id = name.replaceFirst("-[0-9a-f]{10}$", "").replaceFirst("-", "/").replaceFirst("-(s[0-9]+)$", "/$1");
            assertFalse(second.contains("train " + id + ":"), "retrained: " + name);
        }
        Map<String, FileTime> after = modelFiles(out);
        for (Map.Entry<String, FileTime> e : before.entrySet()) {
            boolean ofFinished = finished.stream().anyMatch(r -> e.getKey().startsWith(out.relativize(r).toString()));
            if (ofFinished) assertEquals(e.getValue(), after.get(e.getKey()), e.getKey());
        }
        assertTrue(again.out().contains("reused"), again.out());
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
    }

    /** One run directory of {@code out} by its name's prefix (runs/PREFIX-HASH). */
    private static Path runDir(Path out, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(out.resolve("runs"))) {
            return s.filter(r -> r.getFileName().toString().matches(java.util.regex.Pattern.quote(prefix) + "-[0-9a-f]{10}"))
                .findFirst().orElseThrow();
        }
    }

    @Test
    void damagedMeasurementsAreNamedByReportAndRepairedByAResumeThatRewritesNoFinishedRun(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("r");
        try (Stream<Path> w = Files.walk(shared.resolve("r"))) {
            for (Path f : w.toList()) {
                Path to = out.resolve(shared.resolve("r").relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
        Path cut = runDir(out, "convergence-adamw-s1"), torn = runDir(out, "convergence-sgd-s1"), garbage = runDir(out, "algorithms-sam-s1"),
            unfinished = runDir(out, "size-d16-s2");
        Path m = Path.of("measurements.jsonl");
        List<String> lines = Files.readAllLines(cut.resolve(m));
        Files.writeString(cut.resolve(m), lines.get(0) + "\n"); // cut to its first line: two models lost
        String t = Files.readString(torn.resolve(m));
        Files.writeString(torn.resolve(m), t.substring(0, t.length() - 40)); // the last line cut mid-JSON
        int tornLine = (int) Files.readString(torn.resolve(m)).lines().count();
        Files.writeString(garbage.resolve(m), "{garbage\n" + Files.readString(garbage.resolve(m)));
        String kl = flatlm.util.Configs.parseJson(Files.readString(unfinished.resolve("done.json"))).get("kl").asText();
        Files.delete(unfinished.resolve("done.json"));
        Map<Path, byte[]> dones = new TreeMap<>();
        for (Path r : List.of(cut, torn, garbage)) dones.put(r, Files.readAllBytes(r.resolve("done.json")));

        CliRunner report = CliRunner.run("report", out.toString());
        assertEquals(0, report.exitCode(), report.err());
        String err = report.err();
        assertTrue(err.contains(out.relativize(cut) + ": 2 model(s) not measured"), err);
        assertTrue(err.contains(torn.resolve(m) + ":" + tornLine + ": a line cut by an interruption"), err);
        assertTrue(err.contains(garbage.resolve(m) + ":1: a damaged line"), err);
        assertTrue(err.contains(out.relativize(unfinished) + ": not finished (no done.json)"), err);

        CliRunner resumed = CliRunner.run("reproduce", "--preset", "tiny", "--out", out.toString(), "--jobs", "2", "--quiet");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertArrayEquals(uninterruptedCsv, Files.readAllBytes(out.resolve("results.csv")), "the damaged models measured again");
        for (var e : dones.entrySet()) assertArrayEquals(e.getValue(), Files.readAllBytes(e.getKey().resolve("done.json")), e.getKey() + "");
        assertEquals(kl, flatlm.util.Configs.parseJson(Files.readString(unfinished.resolve("done.json"))).get("kl").asText(),
            "a run resumed at its last step records the KL logged there");
    }

    @Test
    void theQuickAndCpuPresetsValidateAndPlanFiveSeedsWithLabelNoise() {
        for (String preset : List.of("quick", "cpu")) {
            CliRunner r = CliRunner.run("reproduce", "--preset", preset, "--plan", "--out", "/nonexistent/" + preset);
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("pre-training seeds: [1, 2, 3, 4, 5]"), r.out());
            assertTrue(r.out().contains("probe training sizes: [32, 128, 512, 2048] (main 2048)"), r.out());
            // the size experiment's width 64 is the convergence run of the same seed, trained once
            assertTrue(r.out().contains("trained as convergence/adamw/s5"), r.out());
            // every compared model trains with label noise; exact targets are the noise experiment's control
            // (k = 256 on quick, where smaller k slowed AdamW pre-training past the budget; cpu keeps k = 16)
            assertTrue(r.out().contains("sampled-labels k=" + (preset.equals("quick") ? 256 : 16) + "/adamw lr 0.006"), r.out());
            assertTrue(r.out().contains("noise/sgd-exact/s5"), r.out());
        }
    }

    @Test
    void seedsAndLanguageSeedReplicateAPresetOnNewDraws() {
        CliRunner r = CliRunner.run("reproduce", "--preset", "quick", "--plan", "--seeds", "6,7,8,9,10", "--language-seed", "2",
            "--out", "/nonexistent/quick");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("pre-training seeds: [6, 7, 8, 9, 10]"), r.out());
        assertTrue(r.out().contains("alpha 0.1, seed 2;"), r.out());
        assertTrue(r.out().contains("noise/sgd-exact/s10"), r.out());
        assertFalse(r.out().contains("/s1 "), r.out());
        for (String bad : List.of("3,3", "0")) {
            r = CliRunner.run("reproduce", "--preset", "quick", "--plan", "--seeds", bad);
            assertEquals(2, r.exitCode(), bad);
            assertTrue(r.err().startsWith("flatlm: error: --seeds"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void theLmPresetValidatesAndPlansOnTheBuiltInGenerator() {
        // a fresh clone has no generator directory: the preset's language is built in memory
        CliRunner r = CliRunner.run("reproduce", "--preset", "lm", "--plan", "--out", "/nonexistent/lm");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("pre-training seeds: [1, 2]"), r.out());
        assertTrue(r.out().contains("causal LM random generator (16 words, 4 controls"), r.out());
        assertTrue(r.out().contains("probe training sizes: [32, 128, 512, 2048] (main 2048)"), r.out());
        assertTrue(r.out().contains("algorithms/adversarial-exact-target/s2"), r.out());
        assertTrue(r.out().contains("trained as convergence/adamw/s2"), r.out());
    }

    @Test
    void thePaperPresetValidatesAndPlans() {
        CliRunner r = CliRunner.run("reproduce", "--preset", "paper", "--plan", "--out", "/nonexistent/paper");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("runs (11)"), r.out());
        assertTrue(r.out().contains("size/d960"), r.out());
        assertTrue(r.out().contains("50000 steps x batch 4096"), r.out());
    }

    @Test
    void badPresetsAreOneLineErrors(@TempDir Path dir) throws IOException {
        CliRunner r = CliRunner.run("reproduce", "--preset", "nope", "--plan");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("flatlm: error: unknown preset 'nope'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "name: x\nconvergence:\n  adamw: {stepz: 10}\n");
        r = CliRunner.run("reproduce", "--preset", bad.toString(), "--plan");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown key 'stepz'"), r.err());
        Files.writeString(bad, "name: x\nmeasure: {flatness: hessian}\n");
        r = CliRunner.run("reproduce", "--preset", bad.toString(), "--plan");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("measure.flatness"), r.err());
        r = CliRunner.run("report", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("not a reproduction directory"), r.err());
    }

    /** Model and optimizer files of every checkpoint, with their modification times. */
    private static Map<String, FileTime> modelFiles(Path out) throws IOException {
        Map<String, FileTime> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(out.resolve("runs"))) {
            for (Path f : s.filter(f -> f.toString().endsWith(".safetensors")).toList())
                m.put(out.relativize(f).toString(), Files.getLastModifiedTime(f));
        }
        return m;
    }
}
