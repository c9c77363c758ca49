package flatlm.cli;

import flatlm.exec.TaskRunner;
import flatlm.exec.Workloads;
import flatlm.experiment.ReproductionWorkload;
import flatlm.sweep.SweepWorkload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code flatlm task FILE INDEX} (internal): one Slurm array task of a sweep or reproduction. */
@Command(name = "task", hidden = true, mixinStandardHelpOptions = true,
    description = "Internal: runs job INDEX of a task file written by the slurm executor (what each array task runs).")
public final class TaskCommand implements Callable<Integer> {
    /** The workloads a task may belong to: a reproduction or a sweep. */
    static final Workloads KINDS = new Workloads()
        .register(ReproductionWorkload.KIND, ReproductionWorkload::open)
        .register(SweepWorkload.KIND, SweepWorkload::open);

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Parameters(index = "1", paramLabel = "INDEX")
    int index;

    @Override
    public Integer call() {
        try {
            TaskRunner.run(file, index, KINDS);
            return 0;
        } catch (Exception e) {
            System.err.println("flatlm: error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (System.getenv("FLATLM_DEBUG") != null) e.printStackTrace();
            return 3;
        }
    }
}
