package flatlm.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/** Progress lines of a reproduction, "[mm:ss] message", to stderr and to {@code reproduce.log}. */
public final class Log {
    private final long t0 = System.nanoTime();
    private final Path file;
    private final boolean quiet;
    /**
     * A test's hook ({@code -Dflatlm.test.holdAt=REGEX}, {@code -Dflatlm.test.holdCount=N},
     * default 1): once the N-th line matching REGEX is written, this process waits (10 min at most)
     * to be killed, so a test kills it at that very moment, never after it went on.
     */
    private static final Pattern HOLD_AT = System.getProperty("flatlm.test.holdAt") == null ? null
        : Pattern.compile(System.getProperty("flatlm.test.holdAt"));
    private static final int HOLD_COUNT = Integer.getInteger("flatlm.test.holdCount", 1);
    private int holdMatches;

    public Log(Path file, boolean quiet) {
        this.file = file;
        this.quiet = quiet;
    }

    public double minutes() {
        return (System.nanoTime() - t0) / 60e9;
    }

    public synchronized void info(String message) {
        long s = (System.nanoTime() - t0) / 1_000_000_000L;
        String line = String.format("[%02d:%02d] %s", s / 60, s % 60, message);
        if (!quiet) System.err.println(line);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the log is a convenience; the run goes on
        }
        if (HOLD_AT != null && HOLD_AT.matcher(line).find() && ++holdMatches == HOLD_COUNT) {
            try {
                Thread.sleep(600_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
