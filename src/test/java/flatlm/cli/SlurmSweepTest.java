package flatlm.cli;

import flatlm.experiment.RunSpec;
import flatlm.sweep.Sweep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The slurm executor on a real Slurm (scripts/slurm-local up; .ci/run brings it up): a tiny
 * sweep (2 learning rates, a continuation of each) gives the local executor's sweep.csv byte for byte; a failing array task is reported
 * with its log and resubmitted on the rerun; a killed driver's rerun adopts the tasks in flight
 * and resubmits no finished one. Skipped, with the reason, where no cluster answers {@code sinfo}
 * (not installed, or installed with its controller stopped).
 */
class SlurmSweepTest {
    /**
     * Null when a Slurm cluster answers here ({@code sinfo} on {@code path} exits 0 within 10 s),
     * else why not: installed is not enough (a stopped controller makes sbatch fail).
     */
    static String clusterDown(String path) {
        Path sbatch = null, sinfo = null;
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (d.isEmpty()) continue;
            if (sbatch == null && Files.isExecutable(Path.of(d, "sbatch"))) sbatch = Path.of(d, "sbatch");
            if (sinfo == null && Files.isExecutable(Path.of(d, "sinfo"))) sinfo = Path.of(d, "sinfo");
        }
        if (sbatch == null || sinfo == null) return (sbatch == null ? "sbatch" : "sinfo") + " not on PATH: no Slurm here";
        try {
            Path log = Files.createTempFile("flatlm-sinfo", ".out");
            try {
                Process p = new ProcessBuilder(sinfo.toString(), "-h").redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    return "sinfo did not answer in 10 s: the Slurm controller is not running";
                }
                String first = Files.readString(log).strip().lines().findFirst().orElse("");
                return p.exitValue() == 0 ? null : "the Slurm controller does not answer (sinfo exit " + p.exitValue() + ": " + first + ")";
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return "sinfo could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The job ids submitted from {@code out}, one set per sbatch call (submissions.jsonl). */
    static List<Set<String>> submitted(Path out) throws Exception {
        List<Set<String>> subs = new ArrayList<>();
        Path f = out.resolve("slurm/submissions.jsonl");
        if (!Files.isRegularFile(f)) return subs;
        for (String line : Files.readAllLines(f)) {
            if (!line.endsWith("}")) continue; // being written
            var n = flatlm.util.Configs.parseJson(line);
            Set<String> ids = new LinkedHashSet<>();
            n.path("ids").forEach(x -> ids.add(x.asText()));
            subs.add(ids);
        }
        return subs;
    }

    @Test
    void aSweepThroughSlurmMatchesTheLocalOneAndSurvivesAFailureAndAKilledDriver(@TempDir Path dir) throws Exception {
        String down = clusterDown(System.getenv().getOrDefault("PATH", ""));
        String why = down + " (scripts/slurm-local up starts a single-node Slurm as root)";
        if (down != null) System.out.println("SlurmSweepTest: SKIPPED: " + why);
        assumeTrue(down == null, why);
        // every task waits for a gate file before it starts, so the driver is surely still waiting when it is killed
        Path gate = dir.resolve("gate"), wrapper = dir.resolve("flatlm-gated");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(wrapper, "#!/bin/sh\n"
            + "i=0; while [ ! -e '" + gate + "' ]; do i=$((i+1)); [ $i -gt 3000 ] && { echo 'no gate after 10 min' >&2; exit 1; }; sleep 0.2; done\n"
            + "exec '" + java + "' -Xss8m -cp '" + System.getProperty("java.class.path") + "' " + Main.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = SweepCommandTest.write(dir, "t.yaml", SweepCommandTest.tinySweep("").replace("seed: [1, 2]", "seed: [2]")
            .replace("slurm: {poll: 0.5}", "slurm: {poll: 0.5, command: \"" + wrapper + "\"}"));
        Path local = dir.resolve("local"), slurm = dir.resolve("slurm");
        CliRunner l = CliRunner.run("sweep", file.toString(), "--out", local.toString(), "--quiet");
        assertEquals(0, l.exitCode(), l.err());
        byte[] expected = Files.readAllBytes(local.resolve("sweep.csv"));

        // a genuine failure: a run directory with a corrupt config cannot be resumed
        RunSpec broken = Sweep.load(file, slurm, true).runs().stream().filter(r -> r.id().equals("main/lr0.003/s2")).findFirst().orElseThrow();
        Path bad = broken.dir(slurm);
        Files.createDirectories(bad.resolve("checkpoints/step-0000000"));
        Files.writeString(bad.resolve("config.yaml"), "steps: [not, a, config\n");

        // the driver, killed as soon as it has submitted both stages (its tasks wait for the gate)
        ProcessBuilder pb = new ProcessBuilder(java, "-Xss8m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "sweep",
            file.toString(), "--out", slurm.toString(), "--executor", "slurm", "--quiet");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("driver.out").toFile());
        Process driver = pb.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (submitted(slurm).size() < 2 && driver.isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(driver.isAlive(), "the driver ended before it could be killed: " + Files.readString(dir.resolve("driver.out")));
        driver.destroyForcibly().waitFor();
        Files.writeString(gate, "");
        List<Set<String>> before = submitted(slurm);
        assertEquals(List.of(Set.of("main/lr0.001/s2", "main/lr0.003/s2"), Set.of("sgd/lr0.001/s2", "sgd/lr0.003/s2")), before);

        // rerun: adopts what is in flight, resubmits nothing that finished; the corrupt run fails, naming its log
        CliRunner again = CliRunner.run("sweep", file.toString(), "--out", slurm.toString(), "--executor", "slurm", "--quiet");
        assertEquals(3, again.exitCode(), again.out() + again.err());
        List<Set<String>> after = submitted(slurm);
        for (Set<String> s : after.subList(before.size(), after.size()))
            assertEquals(Set.of("main/lr0.003/s2"), s, "only the failed task may be resubmitted: " + after);
        String err = again.err();
        assertTrue(err.contains("main/lr0.003/s2: ") && err.contains("malformed config") && err.contains("(log: "), err);
        String logPath = err.substring(err.indexOf("(log: ") + 6, err.indexOf(')', err.indexOf("(log: ")));
        assertTrue(Files.readString(Path.of(logPath)).contains("malformed config"), logPath);
        CliRunner status = CliRunner.run("sweep", "--status", slurm.toString());
        assertEquals(0, status.exitCode(), status.err());
        assertTrue(status.out().contains("1 done") && status.out().lines().anyMatch(x -> x.contains("main/lr0.003/s2") && x.contains("failed")
            && x.contains(logPath)), status.out());

        // repaired: the rerun submits only the failed run and the continuations the failure cancelled
        Files.walk(bad).sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        int n = submitted(slurm).size();
        CliRunner fixed = CliRunner.run("sweep", file.toString(), "--out", slurm.toString(), "--executor", "slurm", "--quiet");
        assertEquals(0, fixed.exitCode(), fixed.out() + fixed.err());
        Set<String> resubmitted = new LinkedHashSet<>();
        submitted(slurm).subList(n, submitted(slurm).size()).forEach(resubmitted::addAll);
        assertEquals(Set.of("main/lr0.003/s2", "sgd/lr0.001/s2", "sgd/lr0.003/s2"), resubmitted);
        // the continuation of the done run went at once, the repaired run's after it (afterok)
        List<Set<String>> last = submitted(slurm).subList(n, submitted(slurm).size());
        assertEquals(List.of(Set.of("main/lr0.003/s2", "sgd/lr0.001/s2"), Set.of("sgd/lr0.003/s2")), last);
        assertEquals(new String(expected, StandardCharsets.UTF_8), Files.readString(slurm.resolve("sweep.csv")),
            "the slurm executor's sweep.csv is the local executor's");
    }
}
