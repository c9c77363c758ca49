package flatlm.util;

/**
 * Bad input from the user (a malformed file, an unknown option value, a missing checkpoint).
 * The CLI prints its message as one line and exits with code 2; never a stack trace.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An error at a line of a file: {@code file:line: message}. */
    public static BadInputException at(Object file, long line, String message) {
        return new BadInputException(file + ":" + line + ": " + message);
    }
}
