package flatlm.experiment;

import flatlm.exec.JobId;
import flatlm.exec.Jobs;
import flatlm.exec.Log;
import flatlm.exec.Workload;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A reproduction as an {@link Executor} sees it. A train job's key is its run's hash (so a
 * finished run stays finished whatever else changes); every other job's key is its id and the
 * hash of the whole plan. A task process rebuilds it from {@code OUT/plan.yaml}.
 */
public final class ReproductionWorkload implements Workload {
    public static final String KIND = "reproduce";
    private final Reproduction r;
    private final String planHash;

    ReproductionWorkload(Reproduction r) {
        this.r = r;
        this.planHash = RunSpec.hash(flatlm.util.Configs.toYaml(r.plan()));
    }

    public static ReproductionWorkload open(Path out) throws IOException {
        return new ReproductionWorkload(new Reproduction(Reproduction.load(out.resolve(Reproduction.PLAN_FILE).toString()), out, false));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Path out() {
        return r.out();
    }

    @Override
    public Jobs jobs() {
        return r.jobs();
    }

    @Override
    public String key(JobId id) {
        if (id.is(Reproduction.TRAIN)) {
            for (RunSpec s : r.runs()) if (s.id().equals(id.run())) return "run " + s.hash();
        }
        return id + "@" + planHash;
    }

    @Override
    public boolean resultsPresent(JobId id) {
        if (!id.is(Reproduction.TRAIN)) return true;
        for (RunSpec s : r.runs())
            if (s.id().equals(id.run())) return java.nio.file.Files.isRegularFile(r.trainingDir(s).resolve(Reproduction.DONE));
        return true;
    }

    @Override
    public Log log() {
        return r.log();
    }
}
