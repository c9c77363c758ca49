package flatlm.lang.pcfg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DefinitionFiles;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A PCFG's definition directory: {@code grammar.txt} (authors' rule format) and
 * {@code language.json} = {"kind":"pcfg","grammar":"grammar.txt","labelMode":"inside"|"posterior"}.
 * Files are written to a temporary name and moved into place.
 */
final class PcfgDefinition {
    static final String GRAMMAR = "grammar.txt";

    private PcfgDefinition() {}

    static void write(Path dir, Pcfg pcfg) throws IOException {
        DefinitionFiles.writeAtomically(dir, GRAMMAR, pcfg.grammar().toText().getBytes(StandardCharsets.UTF_8));
        ObjectNode root = DefinitionFiles.newDefinition("pcfg");
        root.put("grammar", GRAMMAR);
        root.put("labelMode", pcfg.labelMode().name().toLowerCase(Locale.ROOT));
        DefinitionFiles.write(dir, root);
    }

    static Pcfg read(Path dir) throws IOException {
        Path file = dir.resolve(DefinitionFiles.FILE);
        JsonNode root = DefinitionFiles.read(dir, "pcfg");
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
