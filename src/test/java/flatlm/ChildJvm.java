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
 * growth does not show as RSS), one native thread; returns its output. Used by memory tests.
 */
public final class ChildJvm {
    private ChildJvm() {}

    public static String run(Class<?> main, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms1g", "-Xmx1g", "-Xmn800m", "-XX:+AlwaysPreTouch",
            "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) throw new AssertionError("child JVM timed out");
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new AssertionError("child JVM failed: " + text);
        return text;
    }

    /** Resident set size of this process (VmRSS of /proc/self/status), kB. */
    public static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
