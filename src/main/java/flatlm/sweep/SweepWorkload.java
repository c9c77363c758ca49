package flatlm.sweep;

import flatlm.experiment.RunSpec;
import flatlm.exec.JobId;
import flatlm.exec.Jobs;
import flatlm.exec.Log;
import flatlm.exec.Workload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A sweep as an {@link Executor} sees it: one job per run; a task rebuilds it from {@code OUT/sweep.json}. */
public final class SweepWorkload implements Workload {
    public static final String KIND = "sweep";
    private final Sweep sweep;

    SweepWorkload(Sweep sweep) {
        this.sweep = sweep;
    }

    public static SweepWorkload open(Path out) throws IOException {
        return new SweepWorkload(Sweep.open(out, false));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Path out() {
        return sweep.out();
    }

    @Override
    public Jobs jobs() {
        return sweep.jobs();
    }

    @Override
    public String key(JobId id) {
        RunSpec r = sweep.run(id.run());
        return r == null ? id.toString() : sweep.jobKey(r);
    }

    @Override
    public boolean resultsPresent(JobId id) {
        RunSpec r = sweep.run(id.run());
        try {
            return r != null && sweep.complete(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Log log() {
        return sweep.log();
    }
}
