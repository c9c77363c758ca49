package flatlm.lang;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.lang.dyck.Dyck;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.pcfg.Pcfg;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a language from a directory written by {@link Language#writeDefinition}. */
public final class Languages {
    /** The file every language definition directory holds, with at least {@code {"kind": ...}}. */
    public static final String DEFINITION_FILE = "language.json";

    private Languages() {}

    public static Language load(Path dir) throws IOException {
        Path def = dir.resolve(DEFINITION_FILE);
        if (!Files.isRegularFile(def)) {
            throw new BadInputException(dir + ": not a language directory (no " + DEFINITION_FILE + ")");
        }
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(def.toFile());
        } catch (IOException e) {
            throw new BadInputException(def + ": not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        String kind = node == null ? "" : node.path("kind").asText("");
        return switch (kind) {
            case "pcfg" -> Pcfg.loadDefinition(dir);
            case "hmm" -> Hmm.loadDefinition(dir);
            case "dyck" -> Dyck.loadDefinition(dir);
            default -> throw new BadInputException(def + ": unknown or missing \"kind\" '" + kind
                + "' (expected pcfg, hmm or dyck)");
        };
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
