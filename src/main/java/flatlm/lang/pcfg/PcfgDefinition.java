package flatlm.lang.pcfg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * A PCFG's definition directory: {@code grammar.txt} (authors' rule format) and
 * {@code language.json} = {"kind":"pcfg","grammar":"grammar.txt","labelMode":"inside"|"posterior"}.
 * Files are written to a temporary name and moved into place.
 */
final class PcfgDefinition {
    static final String FILE = "language.json";
    static final String GRAMMAR = "grammar.txt";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PcfgDefinition() {}

    static void write(Path dir, Pcfg pcfg) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir, GRAMMAR, pcfg.grammar().toText().getBytes(StandardCharsets.UTF_8));
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", "pcfg");
        root.put("grammar", GRAMMAR);
        root.put("labelMode", pcfg.labelMode().name().toLowerCase(Locale.ROOT));
        writeAtomically(dir, FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static void writeAtomically(Path dir, String name, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static Pcfg read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) throw new BadInputException(dir + ": not a language directory (no " + FILE + ")");
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw BadInputException.at(file, line, "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new BadInputException(file + ": expected a JSON object");
        String kind = root.path("kind").asText("");
        if (!kind.equals("pcfg")) throw new BadInputException(file + ": \"kind\" is '" + kind + "', expected 'pcfg'");
        JsonNode g = root.get("grammar");
        if (g == null || !g.isTextual() || g.asText().isEmpty()) {
            throw new BadInputException(file + ": missing \"grammar\" (the rule file, relative to the directory)");
        }
        Pcfg.LabelMode mode = Pcfg.LabelMode.INSIDE;
        JsonNode m = root.get("labelMode");
        if (m != null && !m.isNull()) {
            mode = switch (m.asText("")) {
                case "inside" -> Pcfg.LabelMode.INSIDE;
                case "posterior" -> Pcfg.LabelMode.POSTERIOR;
                default -> throw new BadInputException(file + ": \"labelMode\" must be \"inside\" or \"posterior\", got "
                    + m);
            };
        }
        return Pcfg.loadWritten(dir.resolve(g.asText())).withLabelMode(mode);
    }
}
