package flatlm.experiment;

import flatlm.report.Experiment;
import flatlm.exec.Log;
import flatlm.dyck.DyckExperiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The reproduction's Dyck experiment (paper Section 6) as one job: options from the plan, reused by its key. */
final class DyckRun {
    private DyckRun() {}

    static DyckExperiment.Options options(ExperimentPlan plan) {
        DyckExperiment.Options o = DyckExperiment.Options.defaults().withN(plan.dyck.n);
        if (plan.dyck.widths != null) o = o.withWidths(plan.dyck.widths);
        if (plan.dyck.sgdSteps != null) o = o.withSgd(plan.dyck.sgdSteps, Math.max(1, plan.dyck.sgdSteps / 20), plan.dyck.sgdSteps / 6);
        return o;
    }

    static String key(ExperimentPlan plan) {
        return key(options(plan));
    }

    private static String key(DyckExperiment.Options o) {
        return Provenance.of(o.toMap(), null).key();
    }

    /** Runs the Dyck experiment into {@code out/dyck/}, or reuses it when its key matches. */
    static void run(ExperimentPlan plan, Path out, Log log) throws IOException {
        Path dir = out.resolve(Experiment.DYCK.id());
        DyckExperiment.Options o = options(plan);
        String key = key(o);
        Path done = dir.resolve(Reproduction.DONE);
        if (Files.isRegularFile(done) && Files.readString(done).contains(key) && Files.isRegularFile(dir.resolve("dyck.md"))) {
            log.info("reuse dyck (" + out.relativize(dir) + ")");
            return;
        }
        log.info("dyck: n = " + o.n());
        DyckExperiment.run(o, dir);
        Files.writeString(done, "{\"key\": \"" + key + "\"}\n", StandardCharsets.UTF_8);
        log.info("finished dyck");
    }
}
