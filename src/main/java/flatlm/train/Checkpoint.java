package flatlm.train;

import flatlm.model.Optimizer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import flatlm.lang.LanguageSpec;
import flatlm.model.MlmModel;
import flatlm.model.SafeTensors;
import flatlm.util.Checksums;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import flatlm.util.Io;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A checkpoint directory {@code checkpoints/step-NNNNNNN/}: {@code model.safetensors} (the
 * weights, with the model config and the language spec in its metadata, so it is
 * self-describing and opens in Python), {@code optimizer.safetensors} (the optimizer's state),
 * {@code state.json} (step) and {@code manifest.json} (SHA-256 of each file). Written to a
 * temporary directory and renamed into place, so a checkpoint is either whole or absent.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";
    public static final String MANIFEST = "manifest.json";
    public static final String LANGUAGE_KEY = "flatlm.language";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** {@code state.json}. */
    public record State(long step, String optimizer, long optimizerSteps) {}

    private Checkpoint() {}

    public static String dirName(long step) {
        return String.format("step-%07d", step);
    }

    /** Writes a checkpoint of {@code step} under {@code checkpointsDir}; returns its directory. */
    public static Path save(Path checkpointsDir, long step, MlmModel model, Optimizer optimizer, String optimizerName,
                            LanguageSpec language) throws IOException {
        Files.createDirectories(checkpointsDir);
        Path dir = checkpointsDir.resolve(dirName(step));
        Path tmp = checkpointsDir.resolve("." + dirName(step) + ".partial");
        deleteRecursively(tmp);
        Files.createDirectories(tmp);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("flatlm.step", Long.toString(step));
        meta.put(LANGUAGE_KEY, Configs.toJson(language));
        SafeTensors.save(tmp.resolve(MODEL), model, meta);
        if (optimizer != null) {
            SafeTensors.write(tmp.resolve(OPTIMIZER), optimizer.state(),
                Map.of("flatlm.optimizer", optimizerName, "flatlm.optimizer_steps", Long.toString(optimizer.steps())));
        }
        JSON.writeValue(tmp.resolve(STATE).toFile(),
            new State(step, optimizerName, optimizer == null ? 0 : optimizer.steps()));
        Map<String, String> sums = new TreeMap<>();
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.toList()) sums.put(f.getFileName().toString(), Checksums.sha256(f));
        }
        JSON.writeValue(tmp.resolve(MANIFEST).toFile(), Map.of("files", sums));
        deleteRecursively(dir);
        Io.moveIntoPlace(tmp, dir);
        return dir;
    }

    /**
     * Writes {@code model} (no optimizer state) as the checkpoint directory {@code out}, outside any
     * run (an embedded or pruned model): saved under the hidden sibling {@code .NAME.TAG}, with
     * {@code info} (what was done to it, not checksummed) as {@code infoFile}, then renamed to
     * {@code out}, so a half-written checkpoint never stands under its name. {@code replace}: an
     * existing {@code out} is deleted; otherwise only an empty directory may stand there.
     */
    public static Path saveStandalone(Path out, String tag, long step, MlmModel model, LanguageSpec language,
                                      String infoFile, Object info, boolean replace) throws IOException {
        Path abs = out.toAbsolutePath();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        Path staging = parent.resolve("." + abs.getFileName() + "." + tag);
        deleteRecursively(staging);
        Path dir = save(staging, step, model, null, "none", language);
        Io.writeString(dir.resolve(infoFile), Configs.toJson(info));
        if (replace) {
            deleteRecursively(abs);
        } else if (Files.exists(abs)) {
            boolean empty;
            try (Stream<Path> s = Files.list(abs)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty) throw new BadInputException(out + " appeared while writing it (not overwritten)");
            Files.delete(abs);
        }
        Files.move(dir, abs);
        deleteRecursively(staging);
        return abs;
    }

    /**
     * Resolves a checkpoint argument: a checkpoint directory, its model.safetensors, or a run
     * directory (its latest checkpoint). Verifies the checksums; one-line errors otherwise.
     */
    public static Path resolve(Path arg) throws IOException {
        if (Files.isRegularFile(arg)) {
            Path parent = arg.toAbsolutePath().getParent();
            if (Files.isRegularFile(parent.resolve(MANIFEST))) {
                verify(parent);
                return parent;
            }
            return arg; // a bare safetensors file: nothing to verify it against
        }
        if (Files.isDirectory(arg.resolve(Trainer.CHECKPOINTS))) {
            List<Path> all = list(arg.resolve(Trainer.CHECKPOINTS));
            if (all.isEmpty()) throw new BadInputException(arg + ": the run has no checkpoint yet");
            Path last = all.get(all.size() - 1);
            verify(last);
            return last;
        }
        if (Files.isRegularFile(arg.resolve(MODEL))) {
            verify(arg);
            return arg;
        }
        throw new BadInputException(arg + ": not a checkpoint (no " + MODEL + ") nor a run directory");
    }

    /**
     * Opens a checkpoint argument (as {@link #resolve}: checksums verified): the one way to read a
     * checkpoint's model, language, config and step.
     */
    public static OpenedCheckpoint open(Path arg) throws IOException {
        return new OpenedCheckpoint(arg, resolve(arg));
    }

    /** A checkpoint directory of a run ({@code checkpoints/step-N}), verified against its manifest, opened. */
    public static OpenedCheckpoint openDirectory(Path dir) throws IOException {
        verify(dir);
        return opened(dir);
    }

    /** A checkpoint already resolved and verified (e.g. by {@link #verify} over a whole run), opened without re-reading its files. */
    public static OpenedCheckpoint opened(Path resolved) {
        return new OpenedCheckpoint(resolved, resolved);
    }

    /** The model file of a resolved checkpoint. */
    public static Path modelFile(Path resolved) {
        return Files.isDirectory(resolved) ? resolved.resolve(MODEL) : resolved;
    }

    /** Checkpoint directories of a run, oldest first (partial ones excluded). */
    public static List<Path> list(Path checkpointsDir) throws IOException {
        if (!Files.isDirectory(checkpointsDir)) return List.of();
        try (Stream<Path> s = Files.list(checkpointsDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isDirectory(p))
                .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    /** Recomputes the checksums listed in the manifest; throws naming the first bad file. */
    @SuppressWarnings("unchecked")
    public static void verify(Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) throw new BadInputException(dir + ": checkpoint has no " + MANIFEST);
        Map<String, Object> m;
        try {
            m = JSON.readValue(manifest.toFile(), Map.class);
        } catch (IOException e) {
            throw new BadInputException(manifest + ": corrupt manifest");
        }
        Object files = m.get("files");
        if (!(files instanceof Map)) throw new BadInputException(manifest + ": corrupt manifest (no files)");
        for (Map.Entry<String, Object> e : ((Map<String, Object>) files).entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) throw new BadInputException(f + ": missing from the checkpoint");
            if (!Checksums.sha256(f).equals(e.getValue())) {
                throw new BadInputException(f + ": checksum mismatch (corrupt or truncated checkpoint)");
            }
        }
    }

    public static State readState(Path dir) throws IOException {
        try {
            return JSON.readValue(dir.resolve(STATE).toFile(), State.class);
        } catch (IOException e) {
            throw new BadInputException(dir.resolve(STATE) + ": unreadable checkpoint state");
        }
    }

    /** Restores the optimizer state of a checkpoint directory. */
    public static void loadOptimizer(Path dir, Optimizer optimizer) throws IOException {
        Map<String, Tensor> saved = SafeTensors.read(dir.resolve(OPTIMIZER));
        optimizer.load(saved, readState(dir).optimizerSteps());
    }

    /** {@link Io#deleteRecursively}. */
    public static void deleteRecursively(Path p) throws IOException {
        Io.deleteRecursively(p);
    }
}
