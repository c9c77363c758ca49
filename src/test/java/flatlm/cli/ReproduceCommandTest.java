package flatlm.cli;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flatlm reproduce --preset tiny}: every code path end to end, the report's files, reuse
 * of finished runs (also after a kill), {@code flatlm report} without training, and the paper
 * preset's plan.
 */
class ReproduceCommandTest {

    @Test
    void tinyPresetWritesTheReportAndReusesEverythingOnARerun(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("r");
        CliRunner first = CliRunner.run("reproduce", "--preset", "tiny", "--out", out.toString(), "--jobs", "2", "--quiet");
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("16 runs trained, 0 reused"), first.out());
        for (String f : List.of("report.md", "report.html", "results.csv", "plan.yaml", "dyck/dyck.md"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8);
        // per pre-training seed (2): adamw 0/20/40, sgd 10/20, 4 algorithms, 2 sizes + 2 embedded; once: the lookup
        // table, 2 sparsities (+ recovered) of seed 1; every model at 2 probe training sizes (50, 200)
        assertEquals(1 + 2 * (2 * (3 + 2 + 4 + 4) + 1 + 2 + 2), csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        int seedCol = header.indexOf("seed"), sizeCol = header.indexOf("probe_train");
        java.util.Set<String> seeds = new java.util.TreeSet<>(), sizes = new java.util.TreeSet<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] v = line.split(",", -1);
            seeds.add(v[seedCol]);
            sizes.add(v[sizeCol]);
        }
        assertEquals(java.util.Set.of("-1", "1", "2"), seeds);
        assertEquals(java.util.Set.of("50", "200"), sizes);
        // recovery training kept the pruned zeros: half of the prunable entries are still zero
        Path recovered;
        try (Stream<Path> s = Files.walk(out.resolve("runs"))) {
            recovered = s.filter(p -> p.getFileName().toString().equals("recover-sparsity-0.50")).findFirst().orElseThrow();
        }
        java.util.List<Path> cps = flatlm.train.Checkpoint.list(recovered.resolve("checkpoints"));
        flatlm.model.MlmModel model = flatlm.train.Checkpoint.loadAnyModel(cps.get(cps.size() - 1), "cpu");
        long zeros = 0, total = 0;
        for (String name : flatlm.model.Pruning.prunableNames(model)) {
            double[] w = flatlm.model.Torch.toDoubles(model.namedParameters().get(name));
            total += w.length;
            for (double v : w) if (v == 0) zeros++;
        }
        assertTrue(cps.size() >= 2 && zeros >= total / 2, zeros + " zeros of " + total + " after recovery");
        String md = Files.readString(out.resolve("report.md"));
        for (String section : List.of("convergence", "size", "lgorithm", "Dyck", "inear regime", "tatistics"))
            assertTrue(md.contains(section), "report.md lacks " + section);
        Map<String, FileTime> before = modelFiles(out);

        CliRunner again = CliRunner.run("reproduce", "--preset", "tiny", "--out", out.toString(), "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("0 runs trained, 16 reused"), again.out());
        assertEquals(before, modelFiles(out));
        assertEquals(csv, Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8));

        Files.delete(out.resolve("report.md"));
        CliRunner report = CliRunner.run("report", out.toString());
        assertEquals(0, report.exitCode(), report.err());
        assertTrue(Files.isRegularFile(out.resolve("report.md")));
        assertEquals(before, modelFiles(out));
        // the plan read back from plan.yaml (maps sorted by key: its runs may come in another order) finds every row
        assertEquals(new java.util.TreeSet<>(csv), new java.util.TreeSet<>(Files.readAllLines(out.resolve("results.csv"),
            StandardCharsets.UTF_8)), "the rows of 'flatlm report' (the embedded ones too)");
    }

    @Test
    void aKilledReproductionRedoesNoFinishedRun(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("r");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "reproduce", "--preset", "tiny", "--out", out.toString(), "--jobs", "1", "--quiet");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile());
        Process p = pb.start();
        Path log = out.resolve("reproduce.log");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        // kill once two runs are finished and the third is under way
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.isRegularFile(log) && Files.readString(log).split("finished ", -1).length > 3) break;
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the child ended before it could be killed: " + Files.readString(dir.resolve("child.out")));
        p.destroyForcibly().waitFor();
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

    @Test
    void theQuickAndCpuPresetsValidateAndPlanThreeSeeds() {
        for (String preset : List.of("quick", "cpu")) {
            CliRunner r = CliRunner.run("reproduce", "--preset", preset, "--plan", "--out", "/nonexistent/" + preset);
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("pre-training seeds: [1, 2, 3]"), r.out());
            assertTrue(r.out().contains("probe training sizes: [32, 128, 512, 2048] (main 2048)"), r.out());
            // the size experiment's width 64 is the convergence run of the same seed, trained once
            assertTrue(r.out().contains("trained as convergence/adamw/s3"), r.out());
        }
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
