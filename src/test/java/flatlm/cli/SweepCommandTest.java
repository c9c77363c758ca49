package flatlm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flatlm sweep} with the local executor: a 2 × 2 grid with a continuation, sweep.csv,
 * the report and plots, the same bytes on a rerun that trains nothing, {@code --plan} hashes
 * that name the run directories, and one-line errors for bad sweep files.
 */
class SweepCommandTest {
    /** A tiny sweep: 2 learning rates × 2 seeds of 100 steps, and a 20-step SGD continuation of each. */
    static String tinySweep(String extra) {
        return """
            name: t
            preset: tiny
            train: {steps: 100, checkpointEvery: 50, evalEvery: 50, schedule: {warmup: 10}}
            grid:
              optimizer.lr: [1e-3, 3.0e-3]
              seed: [1, 2]
            measure: {tasks: ["hmm:3"], probeCurve: [], probeTrain: 100, probeTest: 100, probeSeeds: 2, flatness: fisher,
                      flatnessRelStderr: 0.3, flatnessMaxSeconds: 600, flatnessMaxSamples: 100}
            continuations:
              sgd: {from: main, train: {steps: 20, checkpointEvery: 20, optimizer: {name: sgd, lr: 0.05, weightDecay: 0},
                                        schedule: {warmup: 0, decay: constant}}}
            slurm: {poll: 0.5}
            """ + extra;
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void aTinyGridWritesOneRowPerRunAndTheSameBytesOnARerun(@TempDir Path dir) throws IOException {
        Path file = write(dir, "t.yaml", tinySweep(""));
        Path out = dir.resolve("s");
        CliRunner plan = CliRunner.run("sweep", file.toString(), "--out", out.toString(), "--plan");
        assertEquals(0, plan.exitCode(), plan.err());
        assertTrue(plan.out().contains("runs (8):"), plan.out());
        CliRunner first = CliRunner.run("sweep", file.toString(), "--out", out.toString(), "--jobs", "2", "--quiet");
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("8 runs run, 0 found done, 8 checkpoints measured"), first.out());
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(9, csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        for (String c : List.of("stage", "run", "optimizer.lr", "seed", "step", "hash", "ce", "kl", "kl_stderr", "trH", "trH_stderr",
            "acc_hmm:3_n100", "acc_stderr_hmm:3_n100", "bayes_hmm:3", "run_dir"))
            assertTrue(header.contains(c), "no column " + c + " in " + header);
        // every run directory of --plan (its hash) is the one trained, with its done.json
        for (String line : csv.subList(1, csv.size())) {
            String[] v = line.split(",", -1);
            String hash = v[header.indexOf("hash")], runDir = v[header.indexOf("run_dir")];
            assertTrue(runDir.endsWith("-" + hash) && plan.out().contains(hash + "  ") && plan.out().contains(runDir), line);
            assertTrue(Files.isRegularFile(out.resolve(runDir).resolve("done.json")), runDir);
            assertFalse(v[header.indexOf("kl")].isEmpty() || v[header.indexOf("trH")].isEmpty() || v[header.indexOf("acc_hmm:3_n100")].isEmpty(),
                line);
        }
        assertEquals("main", csv.get(1).split(",")[0]);
        assertEquals("sgd", csv.get(8).split(",")[0]);
        assertEquals("0.001", csv.get(1).split(",")[2], "1e-3 (read by YAML as text) is the number 0.001");
        assertTrue(Files.isRegularFile(out.resolve("report.md")));
        assertTrue(Files.isRegularFile(out.resolve("plots/main-kl-vs-optimizer_lr.png")));
        assertTrue(Files.readString(out.resolve("report.md")).contains("plots/sgd-acc-hmm_3-vs-optimizer_lr.png"));
        byte[] bytes = Files.readAllBytes(out.resolve("sweep.csv"));

        CliRunner again = CliRunner.run("sweep", file.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("0 runs run, 8 found done"), again.out());
        assertTrue(Files.readString(out.resolve("sweep.log")).lines().noneMatch(l -> l.contains("] train ") && l.contains("after")),
            "nothing retrained");
        assertEquals(new String(bytes), Files.readString(out.resolve("sweep.csv")));
        // every run reused though the job markers are gone (issue 26, 14): found done, not "run"
        try (var w = Files.walk(out.resolve("jobs"))) {
            for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        CliRunner noMarkers = CliRunner.run("sweep", file.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, noMarkers.exitCode(), noMarkers.err());
        assertTrue(noMarkers.out().contains("0 runs run, 8 found done"), noMarkers.out());
        CliRunner dirAsFile = CliRunner.run("sweep", out.toString(), "--plan");
        assertEquals(2, dirAsFile.exitCode());
        assertTrue(dirAsFile.err().strip().equals("flatlm: error: " + out + " is a directory, not a sweep file (sweep --status " + out
            + " shows a sweep's state)"), dirAsFile.err());
        CliRunner status = CliRunner.run("sweep", "--status", out.toString());
        assertEquals(0, status.exitCode(), status.err());
        assertTrue(status.out().contains("8 runs: 8 done, 0 running, 0 failed"), status.out());
    }

    @Test
    void badSweepFilesGetOneLineErrors(@TempDir Path dir) throws IOException {
        String ok = tinySweep("");
        List<String[]> cases = List.of(
            new String[] {ok.replace("optimizer.lr: [1e-3", "optimizer.lrr: [1e-3"), "unknown key 'optimizer.lrr'"},
            new String[] {ok.replace("optimizer.lr: [1e-3, 3.0e-3]", "optimizer.lr: []"), "grid 'optimizer.lr' is empty"},
            // the measure section checked as reproduce checks it (one Measure.validate)
            new String[] {ok.replace("flatnessMaxSamples: 100", "flatnessMaxSamples: 1"), "measure.flatnessMaxSamples must be at least 2"},
            new String[] {ok.replace("probeSeeds: 2,", "probeSeeds: 2, probeLayers: [foo],"), "measure.probeLayers: --read must be"},
            new String[] {ok.replace("flatness: fisher", "flatness: top-eig"), "measure.flatness must be fisher, hutchinson or none"},
            new String[] {ok.replace("optimizer.lr: [1e-3, 3.0e-3]", "model.d: [big]"), "wrong type"},
            new String[] {ok.replace("optimizer.lr: [1e-3, 3.0e-3]", "model.d: [32.5]"), "must be a whole number (Integer), got 32.5"},
            new String[] {ok.replace("seed: [1, 2]", "seed: [one]"), "pre-training seed must be an integer"},
            new String[] {ok.replace("sgd: {from: main", "sgd: {from: mian"), "continues stage 'mian', which does not exist"},
            new String[] {ok.replace("grid:", "gird:"), "unknown key 'gird'"},
            new String[] {ok.replace("optimizer.lr: [1e-3, 3.0e-3]", "optimizer.lr: 1e-3"), "grid 'optimizer.lr' must be a list"},
            new String[] {ok.replace("tasks: [\"hmm:3\"]", "tasks: [\"pcfg:A\"]"), "measure.tasks"});
        for (String[] c : cases) {
            Path f = write(dir, "bad.yaml", c[0]);
            CliRunner r = CliRunner.run("sweep", f.toString(), "--out", dir.resolve("o").toString(), "--plan");
            assertEquals(2, r.exitCode(), c[1] + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("flatlm: error: ") && r.err().contains(c[1]), c[1] + " not in: " + r.err());
        }
        assertFalse(Files.exists(dir.resolve("o")), "nothing written for a bad file");
    }

    @Test
    void everyGridPointIsCheckedBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
        // issue 26 item 8: values that only fail when their run would start (preset, width, language, device)
        String ok = tinySweep("");
        List<String[]> cases = List.of(
            new String[] {"model.preset: [nosuchpreset]", "unknown model preset 'nosuchpreset'"},
            new String[] {"model.d: [33]", "model width d=33 is not divisible by heads"},
            new String[] {"language.states: [0]", "states must be >= blocks"},
            new String[] {"device: [cuda]", "this is the CPU build of flatlm"});
        for (String[] c : cases) {
            Path f = write(dir, "bad.yaml", ok.replace("optimizer.lr: [1e-3, 3.0e-3]", c[0]));
            for (boolean plan : new boolean[] {true, false}) {
                List<String> args = new java.util.ArrayList<>(List.of("sweep", f.toString(), "--out", dir.resolve("o").toString(), "--quiet"));
                if (plan) args.add("--plan");
                CliRunner r = CliRunner.run(args.toArray(new String[0]));
                assertEquals(2, r.exitCode(), c[0] + ": " + r.out() + r.err());
                assertEquals(1, r.err().strip().lines().count(), r.err());
                assertTrue(r.err().startsWith("flatlm: error: ") && r.err().contains(c[1]) && r.err().contains("run main/"),
                    c[1] + " not in: " + r.err());
                assertFalse(Files.exists(dir.resolve("o")), c[0] + ": nothing written (no jobs/, sweep.log, sweep.csv)");
            }
        }
    }

    @Test
    void theSlurmExecutorWithoutSbatchIsAOneLineError(@TempDir Path dir) throws Exception {
        Path file = write(dir, "t.yaml", tinySweep(""));
        Path empty = Files.createDirectory(dir.resolve("bin"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "sweep",
            file.toString(), "--out", dir.resolve("o").toString(), "--executor", "slurm");
        pb.environment().put("PATH", empty.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), text);
        assertEquals(1, text.strip().lines().count(), text);
        assertTrue(text.startsWith("flatlm: error: --executor slurm: sbatch not found on PATH"), text);
    }
}
