package flatlm.train;

import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.model.MlmModel;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.SafeTensors;
import flatlm.util.BadInputException;
import flatlm.util.Configs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A checkpoint opened by {@link Checkpoint#open}: resolved (a checkpoint directory, its model
 * file or a run directory's latest checkpoint) and verified against its manifest. What it
 * holds — the language spec and the language it builds, the model config, the model, the step —
 * is read on demand, so a command fails on the first thing it needs with the same one-line
 * error whichever it asks for first. The weights are checked finite when loaded
 * ({@link SafeTensors#load}).
 */
public final class OpenedCheckpoint {
    private final Path arg;
    private final Path path;
    private boolean specRead;
    private LanguageSpec spec;
    private Language language;

    OpenedCheckpoint(Path arg, Path resolved) {
        this.arg = arg;
        this.path = resolved;
    }

    /** The resolved checkpoint: a directory, or a bare model file. */
    public Path path() {
        return path;
    }

    /** Its model file. */
    public Path modelFile() {
        return Checkpoint.modelFile(path);
    }

    /** The language spec stored in the model file's metadata, or null if absent. */
    public LanguageSpec spec() {
        if (!specRead) {
            String json = SafeTensors.readMetadata(modelFile()).get(Checkpoint.LANGUAGE_KEY);
            spec = json == null ? null : Configs.bind(Configs.parseJson(json), LanguageSpec.class, modelFile() + " metadata");
            specRead = true;
        }
        return spec;
    }

    /** The stored language spec; a one-line error naming the checkpoint argument when it has none. */
    public LanguageSpec requireSpec() {
        LanguageSpec s = spec();
        if (s == null) throw new BadInputException(arg + ": the checkpoint does not record its language");
        return s;
    }

    /** The stored language, built once. */
    public Language language() throws IOException {
        if (language == null) language = requireSpec().build();
        return language;
    }

    /** The transformer config in the metadata; a one-line error for another model kind. */
    public ModelConfig config() {
        return SafeTensors.readConfig(modelFile());
    }

    /** The model, transformer or LSTM, on {@code device}. */
    public MlmModel model(String device) {
        Devices.require(device);
        return SafeTensors.loadAnyModel(modelFile(), device);
    }

    /** The transformer on {@code device}; a one-line error for another model kind. */
    public MlmTransformer transformer(String device) {
        Devices.require(device);
        return SafeTensors.loadModel(modelFile(), device);
    }

    /**
     * The held-out set its run evaluated on ({@code data.evalSentences}, {@code data.evalSeed} of the
     * run's {@code config.yaml}, two levels up from a checkpoint directory), so that an evaluation with it
     * reproduces the KL in metrics.jsonl; the default held-out set for a checkpoint outside a run.
     */
    public HeldOutSpec heldOut() throws IOException {
        Path parent = Files.isDirectory(path) ? path.toAbsolutePath().getParent() : null;
        Path runDir = parent != null && parent.getFileName() != null && parent.getFileName().toString().equals(Trainer.CHECKPOINTS)
            ? parent.getParent() : null;
        Path cfg = runDir == null ? null : runDir.resolve(Trainer.CONFIG);
        if (cfg == null || !Files.isRegularFile(cfg)) return HeldOutSpec.DEFAULT;
        return Configs.bind(Configs.readTree(cfg), TrainConfig.class, cfg.toString()).data.heldOut();
    }

    /** The step in {@code state.json}; empty for a bare model file. */
    public OptionalLong step() throws IOException {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(Checkpoint.STATE))
            ? OptionalLong.of(Checkpoint.readState(path).step()) : OptionalLong.empty();
    }

    /** The step in {@code state.json}, else the model file's {@code flatlm.step} metadata, else 0. */
    public long recordedStep() throws IOException {
        OptionalLong s = step();
        if (s.isPresent()) return s.getAsLong();
        String m = SafeTensors.readMetadata(modelFile()).get("flatlm.step");
        try {
            return m == null ? 0 : Long.parseLong(m);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
