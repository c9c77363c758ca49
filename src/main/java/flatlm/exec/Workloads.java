package flatlm.exec;

import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The workload kinds a task process can rebuild from what its driver wrote into the output
 * directory ({@link Workload#kind}); filled by the command line, so {@code exec} knows no kind.
 */
public final class Workloads {
    /** Rebuilds a workload of one kind from its output directory. */
    public interface Opener {
        Workload open(Path out) throws IOException;
    }

    private final Map<String, Opener> kinds = new LinkedHashMap<>();

    public Workloads register(String kind, Opener opener) {
        if (kinds.putIfAbsent(kind, opener) != null) throw new IllegalArgumentException("workload kind '" + kind + "' registered twice");
        return this;
    }

    Workload open(String kind, Path out) throws IOException {
        Opener o = kinds.get(kind);
        if (o == null) throw new BadInputException("unknown workload kind '" + kind + "' (known: " + String.join(", ", kinds.keySet()) + ")");
        return o.open(out);
    }
}
