package flatlm.lang;

import flatlm.lang.causal.CausalLm;
import flatlm.lang.causal.CausalLmDefinition;
import flatlm.lang.dyck.Dyck;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.pcfg.Pcfg;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;

/** Loads a language from a directory written by {@link Language#writeDefinition}. */
public final class Languages {
    private Languages() {}

    public static Language load(Path dir) throws IOException {
        String kind = DefinitionFiles.read(dir, null).path("kind").asText("");
        return switch (kind) {
            case "pcfg" -> Pcfg.loadDefinition(dir);
            case "hmm" -> Hmm.loadDefinition(dir);
            case "dyck" -> Dyck.loadDefinition(dir);
            case CausalLm.KIND -> CausalLmDefinition.read(dir);
            default -> throw new BadInputException(dir.resolve(DefinitionFiles.FILE) + ": unknown or missing \"kind\" '" + kind
                + "' (expected pcfg, hmm, dyck or causal-lm)");
        };
    }
}
