package flatlm.experiment;

import flatlm.report.Experiment;
import flatlm.report.Report;
import flatlm.report.ResultRow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hands a reproduction's rows to {@link Report}, with the commands that reproduce each experiment. */
public final class ReportFiles {
    private ReportFiles() {}

    /** The wall-clock minutes of the last reproduction, kept for a report rebuilt later ({@code flatlm report}). */
    static final String WALL_CLOCK = "wall_clock_minutes.txt";

    /** Writes the report into the reproduction's directory; returns report.html. Minutes null: those of the last reproduction. */
    public static Path write(Reproduction r, Double minutes) throws IOException {
        ExperimentPlan plan = r.plan();
        List<ResultRow> rows = r.collect();
        Path out = r.out();
        Path wall = out.resolve(WALL_CLOCK);
        if (minutes != null) flatlm.util.Io.writeString(wall, minutes + "\n");
        else if (Files.isRegularFile(wall)) {
            try {
                minutes = Double.valueOf(Files.readString(wall).strip());
            } catch (NumberFormatException e) {
                flatlm.util.Warnings.warn(wall + ": not a number of minutes; the report has no wall-clock time");
            }
        }
        String preset = "./flatlm reproduce --preset " + plan.name + " --out " + out;
        Map<String, String> commands = new LinkedHashMap<>();
        String task = plan.measure.tasks.get(0);
        for (RunSpec run : r.runs()) {
            Path dir = r.trainingDir(run);
            commands.merge(run.experiment(), String.format(
                "./flatlm pretrain --config %s/config.yaml --out NEW_DIR   # %s%n./flatlm probe --checkpoints %s --task %s; "
                    + "./flatlm flatness --checkpoints %s --estimator %s",
                dir, run.id(), dir, task, dir, plan.measure.flatness), (a, b) -> a + "\n" + b);
        }
        if (plan.pruning != null) commands.put(Experiment.PRUNING.id(), "./flatlm prune --checkpoint CKPT --sparsity S --out PRUNED; "
            + "./flatlm eval-loss --checkpoint PRUNED; ./flatlm probe --checkpoint PRUNED --task " + task);
        if (plan.dyck != null) commands.put("dyck", "./flatlm dyck --n " + plan.dyck.n + " --out DIR");
        commands.put("lookup", "./flatlm lookup " + plan.language.flags() + " --task " + task
            + "\n./flatlm lang headroom " + plan.language.flags() + " --task " + task);
        Report.Context ctx = new Report.Context(plan.name, out, plan.measure.tasks, plan.saturationKl,
            plan.language.describe(), preset, commands, minutes, r.dyckMarkdown(), plan.measure.probeTrain);
        flatlm.report.ProbeLayers.Input layers = new flatlm.report.ProbeLayers.Input(r.collectLayers(), plan.measure.probeRepresentation);
        return Report.write(rows, ctx, layers).html();
    }
}
