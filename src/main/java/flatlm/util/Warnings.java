package flatlm.util;

import java.util.function.Consumer;

/** Warnings for the user (one line each, on stderr by default; tests may capture them). */
public final class Warnings {
    private static volatile Consumer<String> sink = msg -> System.err.println("flatlm: warning: " + msg);

    private Warnings() {}

    public static void warn(String message) {
        sink.accept(message);
    }

    /** Redirects warnings (for tests); returns the previous sink so it can be restored. */
    public static Consumer<String> redirect(Consumer<String> newSink) {
        Consumer<String> old = sink;
        sink = newSink;
        return old;
    }
}
