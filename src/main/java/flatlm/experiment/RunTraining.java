package flatlm.experiment;

import flatlm.exec.Jobs;
import flatlm.exec.Log;
import flatlm.report.Saturation;
import flatlm.train.Checkpoint;
import flatlm.train.Trainer;
import flatlm.util.BadInputException;
import flatlm.util.Configs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a planned run is trained, shared by {@code reproduce} and {@code sweep}: a run directory
 * with {@code done.json} is finished and reused; one with a config and a checkpoint resumes from
 * its last checkpoint; anything else starts afresh (a continuation from its parent's last
 * checkpoint). {@code done.json} records the run's hash, steps, final KL and minutes.
 */
public final class RunTraining {
    private RunTraining() {}

    /** The parent's last checkpoint, looked up only when a continuation starts afresh. */
    public interface ParentCheckpoint {
        Path get() throws IOException;
    }

    /** Trains (or resumes) run {@code r} in {@code dir}; false when it was finished before (reused). */
    public static boolean train(RunSpec r, Path dir, Path out, Log log, double saturationKl, ParentCheckpoint parent) throws IOException {
        if (Files.isRegularFile(dir.resolve(Reproduction.DONE))) {
            log.info("reuse " + r.id() + " (" + out.relativize(dir) + ")");
            return false;
        }
        Trainer t;
        if (Files.isRegularFile(dir.resolve(Trainer.CONFIG)) && !Checkpoint.list(dir.resolve(Trainer.CHECKPOINTS)).isEmpty()) {
            t = Trainer.resume(dir);
            log.info(String.format("resume %s at step %d of %d", r.id(), t.step(), r.config().steps));
        } else {
            Checkpoint.deleteRecursively(dir);
            if (r.parent() != null) r.config().initFrom = parent.get().toAbsolutePath().toString();
            t = Trainer.start(r.config(), dir);
            log.info(String.format("train %s: %d steps (%s)", r.id(), r.config().steps, out.relativize(dir)));
        }
        long every = Math.max(1, r.config().steps / 10);
        long t0 = System.nanoTime();
        Trainer.Outcome o = t.run(0, s -> {
            if (s.step() % every == 0 && s.step() < s.totalSteps())
                log.info(String.format("  %s: step %d/%d, exact KL %.4f, %.0f words/s", r.id(), s.step(), s.totalSteps(), s.kl(),
                    s.tokensPerSecond()));
        });
        if (o.divergedAt() > 0)
            throw new Jobs.RunFailed(r.id() + ": training diverged at step " + o.divergedAt() + " (non-finite loss); last good checkpoint "
                + o.lastCheckpoint());
        // a run resumed at its last step trains nothing: its final KL is the one logged at that step, never NaN
        Double kl = o.last() != null ? Double.valueOf(o.last().kl())
            : flatlm.train.CheckpointSweep.metrics(dir).getOrDefault(o.step(), Map.of()).get("kl");
        if (kl == null) throw new Jobs.RunFailed(r.id() + ": resumed at its last step " + o.step() + " but " + Trainer.METRICS
            + " holds no exact KL of that step; delete " + dir + " to train it again");
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("hash", r.hash());
        done.put("provenance", r.provenance().record());
        done.put("steps", o.step());
        done.put("kl", kl);
        done.put("minutes", (System.nanoTime() - t0) / 60e9);
        Files.writeString(dir.resolve(Reproduction.DONE), Configs.toJson(done), StandardCharsets.UTF_8);
        log.info(String.format("finished %s: exact KL %.4f (%s)", r.id(), kl, Saturation.saturated(kl, saturationKl) ? "saturated"
            : "not saturated"));
        return true;
    }

    /** The last checkpoint of run {@code r} trained in {@code dir}, verified. */
    public static Path lastCheckpoint(RunSpec r, Path dir) throws IOException {
        List<Path> cps = Checkpoint.list(dir.resolve(Trainer.CHECKPOINTS));
        if (cps.isEmpty()) throw new BadInputException(r.id() + ": no checkpoint in " + dir);
        Path last = cps.get(cps.size() - 1);
        Checkpoint.verify(last); // a corrupt one fails the job, naming the file
        return last;
    }
}
