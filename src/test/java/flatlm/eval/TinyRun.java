package flatlm.eval;

import flatlm.train.TrainConfig;
import flatlm.train.Trainer;

import java.nio.file.Path;

/** A tiny pre-training run for tests: HMM with 4 states, 8 words, length 7 (so it has task hmm:6), tiny transformer. */
public final class TinyRun {
    private TinyRun() {}

    public static TrainConfig config(int steps) {
        TrainConfig c = new TrainConfig();
        c.language.kind = "hmm";
        c.language.states = 4;
        c.language.words = 8;
        c.language.blocks = 2;
        c.language.length = 7;
        c.language.alpha = 0.2;
        c.model.preset = "tiny";
        c.steps = steps;
        c.batchSize = 32;
        c.evalEvery = 10;
        c.checkpointEvery = 10;
        c.data.evalSentences = 32;
        c.schedule.warmup = 5;
        c.optimizer.lr = 3e-3;
        return c;
    }

    /** Trains {@code steps} steps into {@code dir} (checkpoints every 10 steps). */
    public static Path train(Path dir, int steps) throws Exception {
        Trainer.start(config(steps), dir).run(0, null);
        return dir;
    }
}
