package flatlm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM with a fixed, pre-touched heap and a young generation large
 * enough that no GC runs (so native leaks cannot hide behind collected Java wrappers and heap
 * growth does not show as RSS), one native thread, and the JIT compiling in the program's own
 * thread ({@code -XX:-BackgroundCompilation}: what is compiled, and so the code cache's resident
 * pages, follows the steps taken, never the moment RSS is read); returns its output. Used by
 * memory tests. The output goes to a file, so the time limit holds even when the child hangs.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** Generous: a loaded 2-core machine runs the memory tests' children in 1 to 3 minutes. */
    static final long LIMIT_MINUTES = 15;

    public static String run(Class<?> main, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms1g", "-Xmx1g", "-Xmn800m", "-XX:+AlwaysPreTouch",
            "-XX:+UseSerialGC", "-XX:-BackgroundCompilation", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("flatlm-child", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("OMP_NUM_THREADS", "1");
            pb.environment().put("OPENBLAS_NUM_THREADS", "1");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            Process p = pb.start();
            if (!p.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("child JVM still running after " + LIMIT_MINUTES + " min: " + Files.readString(log));
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) throw new AssertionError("child JVM failed: " + text);
            return text;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Resident set size of this process (VmRSS of /proc/self/status), kB. */
    public static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
