package flatlm.util;

import java.util.function.Function;

/**
 * Enum constants written by name in configs and flags: the one lookup, with the one-line error
 * that lists the accepted names from the enum itself (so the message cannot fall behind it).
 */
public final class Names {
    private Names() {}

    /**
     * The constant of {@code values} whose {@code name} is {@code s}; otherwise a
     * {@link BadInputException} "WHAT: expected a, b or c, got 's'".
     */
    public static <E> E parse(E[] values, Function<E, String> name, String s, String what) {
        for (E v : values) if (name.apply(v).equals(s)) return v;
        throw new BadInputException(what + ": expected " + list(values, name) + ", got '" + s + "'");
    }

    /** "a", "a or b", "a, b or c". */
    public static <E> String list(E[] values, Function<E, String> name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) b.append(i == values.length - 1 ? " or " : ", ");
            b.append(name.apply(values[i]));
        }
        return b.toString();
    }
}
