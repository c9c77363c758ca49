package flatlm.flatness;

import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.train.Checkpoint;
import flatlm.train.OpenedCheckpoint;
import flatlm.util.BadInputException;
import flatlm.util.Names;

import java.util.function.Consumer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Flatness of a checkpoint in one call: the entry point of the {@code flatness} command and of
 * experiments that measure every checkpoint of a run.
 *
 * <pre>
 *   Flatness.Loaded c = Flatness.load(path);
 *   Estimate e = Flatness.measure(c.model(), c.language(), Flatness.Estimator.FISHER, Flatness.Options.defaults(), Progress.NONE);
 * </pre>
 *
 * Each call draws from {@code new SplittableRandom(options.seed())}, so measuring every checkpoint of
 * a run with the same seed uses the same sentences and masks (common random numbers: differences
 * between checkpoints are less noisy than the estimates themselves).
 */
public final class Flatness {
    private Flatness() {}

    public enum Estimator {
        /** The paper's estimator, batched with Rademacher signs (default). */
        FISHER("fisher"),
        /** The paper's estimator, one backward pass per sample (reference). */
        FISHER_PER_SAMPLE("fisher-per-sample"),
        /** Hutchinson's vᵀHv with Rademacher v, by double back-propagation. */
        HUTCHINSON("hutchinson"),
        /** The top eigenvalue of H (Lanczos or power iteration). */
        TOP_EIG("top-eig");

        private final String cli;

        Estimator(String cli) {
            this.cli = cli;
        }

        public String cliName() {
            return cli;
        }

        public static Estimator parse(String s) {
            return Names.parse(values(), Estimator::cliName, s.trim(), "--estimator");
        }
    }

    /**
     * Settings of every estimator.
     *
     * @param budget          stopping rule (top-eig: relative standard error and maximum contexts)
     * @param fisherBatch     contexts per Rademacher-signed batch of the batched Fisher estimator
     * @param hutchinsonBatch contexts per Hutchinson probe
     * @param labels          Hutchinson / top-eig loss: exact expected loss or data labels
     * @param selection       parameters measured
     * @param seed            seed of sentences, masks, labels, signs and probes
     * @param eigContexts     contexts of the first top-eig round (doubled while the budget allows)
     * @param eigGroups       groups of contexts for top-eig's delta-method standard error
     * @param eigMethod       Lanczos or power iteration
     * @param eigTolerance    convergence tolerance (Lanczos: residual / |λ|; power: relative change)
     * @param eigIterations   maximum Lanczos steps / power iterations
     */
    public record Options(Budget budget, int fisherBatch, int hutchinsonBatch, Labels labels, ParameterSelection selection,
                          long seed, int eigContexts, int eigGroups, TopEigenvalue.Method eigMethod, double eigTolerance,
                          int eigIterations) {
        public static final int FISHER_BATCH = 32;
        public static final int HUTCHINSON_BATCH = 32;
        public static final long SEED = 1;
        public static final int EIG_CONTEXTS = 1024;
        public static final int EIG_GROUPS = 8;
        public static final double EIG_TOLERANCE = 1e-3;
        public static final int EIG_ITERATIONS = 100;

        public Options {
            if (fisherBatch < 1) throw new BadInputException("--batch must be >= 1, got " + fisherBatch);
            if (hutchinsonBatch < 1) throw new BadInputException("--batch must be >= 1, got " + hutchinsonBatch);
            if (eigGroups < 2) throw new BadInputException("--eig-groups must be >= 2, got " + eigGroups);
            if (eigContexts < eigGroups) throw new BadInputException("flatness.eigContexts must be >= the " + eigGroups + " groups of the standard error");
            if (!(eigTolerance > 0)) throw new BadInputException("flatness.eigTolerance must be > 0");
            if (eigIterations < 1) throw new BadInputException("flatness.eigIterations must be >= 1");
        }

        /** 5% relative standard error, batches of 32 contexts, exact labels, all parameters, seed 1, Lanczos on 1024 contexts. */
        public static Options defaults() {
            return new Options(Budget.relStderr(Budget.DEFAULT_REL_STDERR), FISHER_BATCH, HUTCHINSON_BATCH, Labels.EXACT,
                ParameterSelection.all(), SEED, EIG_CONTEXTS, EIG_GROUPS, TopEigenvalue.Method.LANCZOS, EIG_TOLERANCE, EIG_ITERATIONS);
        }

        /** A copy with some settings changed, e.g. {@code o.with(c -> { c.budget = b; c.seed = 2; })}; validated again. */
        public Options with(Consumer<Copy> change) {
            Copy c = new Copy(this);
            change.accept(c);
            return new Options(c.budget, c.fisherBatch, c.hutchinsonBatch, c.labels, c.selection, c.seed, c.eigContexts,
                c.eigGroups, c.eigMethod, c.eigTolerance, c.eigIterations);
        }

        /** The settings of {@link #with}, starting as a copy of an {@code Options}. */
        public static final class Copy {
            public Budget budget;
            public int fisherBatch, hutchinsonBatch, eigContexts, eigGroups, eigIterations;
            public Labels labels;
            public ParameterSelection selection;
            public long seed;
            public TopEigenvalue.Method eigMethod;
            public double eigTolerance;

            private Copy(Options o) {
                budget = o.budget;
                fisherBatch = o.fisherBatch;
                hutchinsonBatch = o.hutchinsonBatch;
                labels = o.labels;
                selection = o.selection;
                seed = o.seed;
                eigContexts = o.eigContexts;
                eigGroups = o.eigGroups;
                eigMethod = o.eigMethod;
                eigTolerance = o.eigTolerance;
                eigIterations = o.eigIterations;
            }
        }
    }

    /** Runs {@code estimator} on the pre-training loss of {@code language} at {@code model}. */
    public static Estimate measure(MlmModel model, Language language, Estimator estimator, Options o, Progress progress) {
        return measure(model, ContextSource.of(language), estimator, o, progress);
    }

    /** Runs {@code estimator} on the loss defined by {@code source} at {@code model}. */
    public static Estimate measure(MlmModel model, ContextSource source, Estimator estimator, Options o, Progress progress) {
        SplittableRandom rng = new SplittableRandom(o.seed());
        Progress p = progress == null ? Progress.NONE : progress;
        return switch (estimator) {
            case FISHER -> FisherEstimator.batched(model, source, o.selection(), o.fisherBatch(), o.budget(), rng, p);
            case FISHER_PER_SAMPLE -> FisherEstimator.perSample(model, source, o.selection(), o.budget(), rng, p);
            case HUTCHINSON -> Hutchinson.estimate(model, source, o.labels(), o.selection(), o.hutchinsonBatch(),
                o.budget(), rng, p);
            case TOP_EIG -> TopEigenvalue.estimate(model, source, o.labels(), o.selection(), o.eigContexts(), o.eigGroups(),
                o.eigMethod(), o.eigTolerance(), o.eigIterations(), o.budget(), rng, p);
        };
    }

    /** A checkpoint's model, language and step. */
    public record Loaded(Path path, MlmModel model, Language language, long step) {}

    /** Loads a checkpoint (directory, model file or run directory: its latest), checksums verified. */
    public static Loaded load(Path checkpoint) throws IOException {
        OpenedCheckpoint cp = Checkpoint.open(checkpoint);
        Language language = cp.language();
        MlmModel model = cp.transformer("cpu");
        if (model.vocabWords() != language.vocabulary().size())
            throw new BadInputException(checkpoint + ": the model has " + model.vocabWords() + " words, its language "
                + language.vocabulary().size());
        return new Loaded(cp.path(), model, language, cp.step().orElse(-1));
    }
}
