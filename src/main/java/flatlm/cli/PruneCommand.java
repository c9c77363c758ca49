package flatlm.cli;

import flatlm.lang.LanguageSpec;
import flatlm.model.MlmModel;
import flatlm.model.Pruning;
import flatlm.model.Torch;
import flatlm.train.Checkpoint;
import flatlm.train.OpenedCheckpoint;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code flatlm prune}: global magnitude pruning of a checkpoint's encoder matrices. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Global magnitude pruning of a checkpoint: sets to zero the floor(S x N) smallest-magnitude entries of the "
        + "N entries of the encoder's weight matrices (transformer: attention query/key/value/out and MLP fc1/fc2 weights; "
        + "LSTM: weight_ih and weight_hh), one threshold over all of them, ties broken by position. Embeddings, LayerNorm, "
        + "biases and the output head are unchanged; sparsity 0 copies the model exactly. Writes a checkpoint directory "
        + "(step and language of the source, no optimizer state) with pruning.json describing the pruning; eval-loss, probe, "
        + "finetune and flatness accept it.",
        "Example: flatlm prune --checkpoint runs/hmm-small --sparsity 0.5 --out runs/hmm-small-pruned-50"})
public final class PruneCommand implements Callable<Integer> {
    /** The file written next to the model in a pruned checkpoint. */
    public static final String INFO = "pruning.json";


    @Option(names = "--checkpoint", required = true, paramLabel = "CKPT",
        description = "A checkpoint directory, its model.safetensors, or a run directory (its latest checkpoint).")
    Path checkpoint;

    @Option(names = "--sparsity", required = true, paramLabel = "S",
        description = "Fraction of the encoder matrices' entries set to zero, in [0, 1).")
    double sparsity;

    @Option(names = "--out", required = true, paramLabel = "CKPT2",
        description = "Output checkpoint directory (must not exist, or be empty).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Torch.setThreads(1);
        Pruning.Result r = prune(checkpoint, sparsity, out);
        if (json) {
            Map<String, Object> o = info(checkpoint.toString(), r);
            o.put("out", out.toString());
            System.out.println(Configs.toJsonLine(o));
        } else {
            System.out.printf("pruned %s: sparsity %.4f reached (%.4f requested), %d/%d zeros in %d encoder matrices, "
                    + "threshold |w| <= %.4g; wrote %s%n", checkpoint, r.achievedSparsity(), r.sparsity(), r.zeros(), r.total(),
                r.matrices().size(), r.threshold(), out);
        }
        return 0;
    }

    /**
     * Prunes the checkpoint {@code checkpoint} (directory, model file or run directory; any model kind)
     * at {@code sparsity} (see {@link Pruning}) and writes the checkpoint directory {@code out}
     * (as {@link Checkpoint#save}: model.safetensors with the source's language and step, state.json,
     * manifest.json; no optimizer state) plus {@value #INFO}. Returns {@code out}. One-line
     * {@link BadInputException} for a sparsity outside [0, 1), an existing non-empty {@code out}, or a
     * missing, corrupt or language-less checkpoint.
     */
    public static Path pruneCheckpoint(Path checkpoint, double sparsity, Path out) throws IOException {
        prune(checkpoint, sparsity, out);
        return out;
    }

    /** As {@link #pruneCheckpoint}, returning what the pruning did. */
    public static Pruning.Result prune(Path checkpoint, double sparsity, Path out) throws IOException {
        Pruning.checkSparsity(sparsity);
        if (Files.exists(out) && !isEmptyDirectory(out))
            throw new BadInputException(out + " exists and is not an empty directory (choose another --out)");
        OpenedCheckpoint cp = Checkpoint.open(checkpoint);
        Path resolved = cp.path();
        LanguageSpec language = cp.requireSpec();
        long step = cp.recordedStep();
        MlmModel model = cp.model("cpu");
        Pruning.Result r = Pruning.prune(model, sparsity);

        Map<String, Object> info = info(resolved.toAbsolutePath().toString(), r);
        info.put("step", step);
        Checkpoint.saveStandalone(out, "pruning", step, model, language, INFO, info, false);
        return r;
    }

    private static Map<String, Object> info(String source, Pruning.Result r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("source", source);
        o.put("sparsity", r.sparsity());
        o.put("achieved_sparsity", r.achievedSparsity());
        o.put("total", r.total());
        o.put("pruned", r.pruned());
        o.put("zeros", r.zeros());
        o.put("threshold", r.threshold());
        o.put("matrices", r.matrices());
        return o;
    }

    private static boolean isEmptyDirectory(Path p) throws IOException {
        if (!Files.isDirectory(p)) return false;
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }
}
