package flatlm.exec;

import flatlm.experiment.ReproductionWorkload;
import flatlm.sweep.SweepWorkload;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;

/** Rebuilds a workload in a task process from what its driver wrote into the output directory. */
final class Workloads {
    private Workloads() {}

    static Workload open(String kind, Path out) throws IOException {
        return switch (kind) {
            case ReproductionWorkload.KIND -> ReproductionWorkload.open(out);
            case SweepWorkload.KIND -> SweepWorkload.open(out);
            default -> throw new BadInputException("unknown workload kind '" + kind + "'");
        };
    }
}
