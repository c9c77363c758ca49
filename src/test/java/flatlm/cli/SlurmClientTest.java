package flatlm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slurm executor's client side against fake Slurm commands on PATH (no cluster needed): a
 * hung {@code sbatch} ends the driver after the (here 2 s) limit with one line and leaves no
 * process behind; a cluster that does not answer {@code sinfo} is refused before anything is
 * written; and {@link SlurmSweepTest}'s guard skips where the cluster does not answer.
 */
class SlurmClientTest {
    /** A directory of fake commands, each a shell script body. */
    static Path fakeBin(Path dir, String... nameAndBody) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (int i = 0; i < nameAndBody.length; i += 2) {
            Path f = bin.resolve(nameAndBody[i]);
            Files.writeString(f, "#!/bin/sh\n" + nameAndBody[i + 1] + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    /** {@code flatlm ARGS} in a child JVM with {@code bin} first on PATH and a 2 s limit on each Slurm command. */
    static Process driver(Path bin, Path log, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Dflatlm.slurm.timeout=2", "-cp", System.getProperty("java.class.path"),
            Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PATH", bin + File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        return pb.start();
    }

    @Test
    void aHungSbatchEndsTheDriverWithOneLineAndKillsWhatItStarted(@TempDir Path dir) throws Exception {
        Path pid = dir.resolve("sleep.pid");
        Path bin = fakeBin(dir,
            "sinfo", "echo debug",
            "squeue", "exit 0",
            "scancel", "exit 0",
            "sbatch", "[ \"$1\" = --test-only ] && exit 0; sleep 300 & echo $! > '" + pid + "'; wait");
        Path file = SweepCommandTest.write(dir, "t.yaml", SweepCommandTest.tinySweep(""));
        Path log = dir.resolve("driver.out");
        Process p = driver(bin, log, "sweep", file.toString(), "--out", dir.resolve("s").toString(), "--executor", "slurm", "--quiet");
        boolean ended = p.waitFor(120, TimeUnit.SECONDS); // the limit is 2 s; the JVM's start is the rest
        if (!ended) p.descendants().forEach(ProcessHandle::destroyForcibly);
        if (!ended) p.destroyForcibly().waitFor();
        String out = Files.readString(log);
        assertTrue(ended, "the driver still waited on the hung sbatch after 120 s: " + out);
        assertEquals(2, p.exitValue(), out);
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), out);
        assertTrue(lines.get(0).startsWith("flatlm: error: ") && lines.get(0).endsWith("sbatch did not answer in 2 s"), out);
        long sleeper = Long.parseLong(Files.readString(pid).strip());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) Thread.sleep(100);
        assertFalse(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false), "the hung sbatch's child was left running");
    }

    @Test
    void aClusterThatDoesNotAnswerIsRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        Path bin = fakeBin(dir,
            "sinfo", "echo 'sinfo: error: resolve_ctls_from_dns_srv: res_nsearch error: Unknown host' >&2; exit 1",
            "squeue", "exit 1",
            "sbatch", "exit 1");
        Path file = SweepCommandTest.write(dir, "t.yaml", SweepCommandTest.tinySweep(""));
        Path out = dir.resolve("s");
        Process p = driver(bin, dir.resolve("driver.out"), "sweep", file.toString(), "--out", out.toString(), "--executor", "slurm", "--quiet");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String text = Files.readString(dir.resolve("driver.out"));
        assertEquals(2, p.exitValue(), text);
        assertEquals(1, text.lines().filter(l -> !l.isBlank()).count(), text);
        assertTrue(text.startsWith("flatlm: error: --executor slurm: the Slurm cluster does not answer (sinfo failed (exit 1): "
            + "sinfo: error: resolve_ctls_from_dns_srv"), text);
        assertFalse(Files.exists(out), "nothing may be written for a refused executor");
    }

    @Test
    void optionsTheClusterRefusesAreOneLineErrorsThatLeaveNothingBehind(@TempDir Path dir) throws Exception {
        Path bin = fakeBin(dir,
            "sinfo", "echo debug",
            "squeue", "exit 0",
            "scancel", "exit 0",
            "sbatch", "if [ \"$1\" = --test-only ]; then grep -q 'partition=nosuch' \"$2\" && "
                + "{ echo 'sbatch: error: invalid partition specified: nosuch' >&2; exit 1; }; exit 0; fi\n"
                + "echo 'sbatch: error: Batch job submission failed: Invalid account or account/partition combination' >&2; exit 1");
        Path file = SweepCommandTest.write(dir, "t.yaml", SweepCommandTest.tinySweep(""));
        Path out = dir.resolve("s");
        Process p = driver(bin, dir.resolve("refused.out"), "sweep", file.toString(), "--out", out.toString(), "--executor", "slurm",
            "--partition", "nosuch", "--quiet");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String text = Files.readString(dir.resolve("refused.out"));
        assertEquals(2, p.exitValue(), text);
        assertEquals(List.of("flatlm: error: --executor slurm: sbatch refuses these options (--partition=nosuch): "
            + "sbatch: error: invalid partition specified: nosuch"), text.lines().filter(l -> !l.isBlank()).toList());
        assertFalse(Files.exists(out), "nothing written for options the cluster refuses");

        // accepted by --test-only, refused at submission: no task file or script left that looks submitted
        Process q = driver(bin, dir.resolve("submit.out"), "sweep", file.toString(), "--out", out.toString(), "--executor", "slurm",
            "--quiet");
        assertTrue(q.waitFor(120, TimeUnit.SECONDS));
        String t2 = Files.readString(dir.resolve("submit.out"));
        assertEquals(2, q.exitValue(), t2);
        assertEquals(1, t2.lines().filter(l -> !l.isBlank()).count(), t2);
        assertTrue(t2.contains("Invalid account"), t2);
        try (var s = Files.list(out.resolve("slurm"))) {
            assertEquals(List.of("logs"), s.map(x -> x.getFileName().toString()).toList());
        }
    }

    @Test
    void theIntegrationTestsGuardSkipsWhereTheClusterDoesNotAnswer(@TempDir Path dir) throws Exception {
        Path down = fakeBin(dir.resolve("down"), "sinfo", "echo 'sinfo: error: Unable to contact slurm controller' >&2; exit 1",
            "scontrol", "exit 1", "sbatch", "exit 1");
        String why = SlurmSweepTest.clusterDown(down.toString());
        assertNotNull(why);
        assertTrue(why.contains("Unable to contact slurm controller"), why);
        Path hung = fakeBin(dir.resolve("hung"), "sinfo", "exec sleep 60", "sbatch", "exit 1");
        long t0 = System.nanoTime();
        String hungWhy = SlurmSweepTest.clusterDown(hung.toString());
        assertTrue(hungWhy != null && hungWhy.contains("did not answer"), hungWhy);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "the guard waits a few seconds, not the command's whole life");
        assertTrue(SlurmSweepTest.clusterDown(dir.resolve("none").toString()).contains("not on PATH"));
        Path up = fakeBin(dir.resolve("up"), "sinfo", "echo debug", "sbatch", "exit 1");
        assertNull(SlurmSweepTest.clusterDown(up.toString()));
    }
}
