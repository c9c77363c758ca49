package flatlm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DyckCommandTest {
    @Test
    void writesTheReportSection(@TempDir Path dir) {
        Path out = dir.resolve("dyck");
        CliRunner r = CliRunner.run("dyck", "--n", "4", "--widths", "32", "--samples", "1,4", "--probe-seeds", "3",
            "--sgd-steps", "600", "--eval-every", "300", "--noise-free-tail", "100", "--no-plots", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("transferable-flattest"), r.out());
        assertTrue(r.out().contains("random-features-32"), r.out());
        assertTrue(Files.exists(out.resolve("dyck.md")));
        assertTrue(Files.exists(out.resolve("dyck.json")));
        assertFalse(Files.exists(out.resolve("dyck-trace.png")), "--no-plots");
    }

    @Test
    void jsonSummary(@TempDir Path dir) {
        CliRunner r = CliRunner.run("dyck", "--n", "2", "--widths", "16", "--samples", "2", "--probe-seeds", "2",
            "--sgd-steps", "0", "--no-plots", "--json", "--out", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().trim().startsWith("{") && r.out().contains("\"traceLowerBound\""), r.out());
        r = CliRunner.run("dyck", "--n", "4", "--widths", "none", "--samples", "2", "--probe-seeds", "2",
            "--sgd-steps", "0", "--no-plots", "--json", "--out", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().trim().startsWith("{") && r.out().contains("\"traceLowerBound\""), r.out());
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) {
        String[][] cases = {
            {"--n", "5"}, {"--n", "20"}, {"--n", "14"}, {"--n", "12"}, {"--widths", "x"}, {"--support", "nested"}, {"--widths", "0"}, {"--samples", "0"},
            {"--lr", "-1"}, {"--noise-free-tail", "999999999"}, {"--probe-seeds", "0"}};
        for (String[] c : cases) {
            String[] args = new String[c.length + 3];
            args[0] = "dyck";
            System.arraycopy(c, 0, args, 1, c.length);
            args[c.length + 1] = "--out";
            args[c.length + 2] = dir.toString();
            CliRunner r = CliRunner.run(args);
            assertEquals(2, r.exitCode(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().startsWith("flatlm: error: "), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
