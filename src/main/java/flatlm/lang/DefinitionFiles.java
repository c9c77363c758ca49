package flatlm.lang;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.util.BadInputException;
import flatlm.util.Io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files of a language definition directory: {@code language.json} (with at least
 * {@code {"kind": ...}}) and whatever the language adds, each written atomically.
 */
public final class DefinitionFiles {
    /** The file every language definition directory holds. */
    public static final String FILE = "language.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DefinitionFiles() {}

    /** A new {@code language.json} object of the given kind. */
    public static ObjectNode newDefinition(String kind) {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", kind);
        return root;
    }

    /** Writes {@code language.json} into {@code dir} (created if needed). */
    public static void write(Path dir, ObjectNode root) throws IOException {
        writeAtomically(dir, FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    /** Writes {@code bytes} to {@code dir/name} through a temporary file and an atomic rename. */
    public static void writeAtomically(Path dir, String name, byte[] bytes) throws IOException {
        Io.writeAtomically(dir.resolve(name), bytes);
    }

    /**
     * Reads {@code dir/language.json}, checking that it is a JSON object of the expected kind
     * (any kind when {@code expectedKind} is null); a one-line {@link BadInputException} otherwise.
     */
    public static JsonNode read(Path dir, String expectedKind) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(dir + ": not a language directory (no " + FILE + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw BadInputException.at(file, line, "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new BadInputException(file + ": expected a JSON object");
        String kind = root.path("kind").asText("");
        if (expectedKind != null && !kind.equals(expectedKind)) {
            throw new BadInputException(file + ": \"kind\" is '" + kind + "', expected '" + expectedKind + "'");
        }
        return root;
    }
}
