package flatlm.cli;

import flatlm.train.Embedding;
import flatlm.flatness.MaskedContext;
import flatlm.flatness.ContextSource;
import flatlm.flatness.Params;
import flatlm.lang.LanguageSpec;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import flatlm.train.Checkpoint;
import flatlm.train.OpenedCheckpoint;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code flatlm embed}: a small transformer checkpoint as a larger architecture computing the same function. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Embed a transformer checkpoint into a larger architecture without changing its function (the paper's "
        + "App. B.4): width ratio k by replication (embeddings repeat(1,k)/k, matrices repeat(k,k)/k, LayerNorm and biases "
        + "repeat(k), k times as many heads of the same size), MLP units replicated floor(i_L/i_S) times and zero-padded, "
        + "extra layers zero (pre-LN). Checks the outputs on sentences of the checkpoint's language and prints the "
        + "largest difference of log-probabilities.",
        "Architectures (--into): the model presets (tiny, small, base-cpu, base-cpu-4, paper-64 ... paper-1024), the paper's "
            + "Table 4 sizes table4-128, table4-192, table4-320, table4-384, table4-640, table4-960, table4-1920 (the lcm of "
            + "the widths), and Table 4 divided by 8: table4-cpu-16 ... table4-cpu-240.",
        "Example: flatlm embed --checkpoint runs/small-64 --into table4-cpu-240 --out runs/small-64-as-240"})
public final class EmbedCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "SMALL",
        description = "The small model: a checkpoint directory, its model.safetensors, or a run directory (its latest checkpoint).")
    Path checkpoint;

    @Option(names = "--into", paramLabel = "PRESET", description = "The large architecture (see above); the flags below override it.")
    String into;

    @Option(names = "--d", description = "Large width (a multiple of the small one).")
    Integer d;

    @Option(names = "--heads", description = "Large number of heads (width ratio x the small number: same head size).")
    Integer heads;

    @Option(names = "--layers", description = "Large number of layers (at least the small number).")
    Integer layers;

    @Option(names = "--d-inter", description = "Large MLP width (at least the small one).")
    Integer dInter;

    @Option(names = "--out", required = true, paramLabel = "CKPT",
        description = "Output checkpoint directory (step and language of the small one, plus embedding.json), or a bare "
            + "model file if it ends in .safetensors.")
    Path out;

    @Option(names = "--force", description = "Replace --out if it exists.")
    boolean force;

    @Option(names = "--check-sentences", defaultValue = "64",
        description = "Sentences of the language (one uniform masked position each) on which the outputs are compared "
            + "(default: ${DEFAULT-VALUE}; 0: no check).")
    int checkSentences;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && !force) throw new BadInputException(out + " exists (use --force to replace it)");
        if (checkSentences < 0) throw new BadInputException("--check-sentences must be >= 0");
        Torch.setThreads(1);
        OpenedCheckpoint cp = Checkpoint.open(checkpoint);
        Path resolved = cp.path();
        ModelConfig small = cp.config();
        ModelConfig large;
        String name;
        if (into != null) {
            large = Embedding.preset(into, small);
            name = into;
        } else {
            if (d == null || heads == null || layers == null || dInter == null)
                throw new BadInputException("give --into PRESET, or all of --d, --heads, --layers and --d-inter");
            large = small;
            name = "custom";
        }
        large = new ModelConfig(small.vocabWords(), small.maxLength(), d != null ? d : large.d(), heads != null ? heads : large.heads(),
            layers != null ? layers : large.layers(), dInter != null ? dInter : large.dInter(), small.preLn(), 0.0, small.dtype());
        Embedding.Plan plan = Embedding.plan(small, large);
        MlmTransformer big = Embedding.embedCheckpoint(checkpoint, large, out);

        double maxDiff = Double.NaN;
        long predictions = 0;
        LanguageSpec spec = cp.spec();
        if (checkSentences > 0 && spec != null) {
            MlmTransformer s = cp.transformer("cpu");
            List<MaskedContext> cs = ContextSource.of(spec.build()).draw(checkSentences, new SplittableRandom(1), false);
            maxDiff = 0;
            for (int from = 0; from < cs.size(); from += 256) {
                List<MaskedContext> chunk = cs.subList(from, Math.min(cs.size(), from + 256));
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    double[] a = Torch.toDoubles(s.logProbs(Params.batch(chunk)));
                    double[] b = Torch.toDoubles(big.logProbs(Params.batch(chunk)));
                    for (int i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                }
                predictions += chunk.size();
            }
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("source", resolved.toString());
            o.put("out", out.toString());
            o.put("into", name);
            o.put("source_config", small);
            o.put("config", large);
            o.put("width_ratio", plan.widthRatio());
            o.put("mlp_copies", plan.interCopies());
            o.put("mlp_zero_units", plan.interPadding());
            o.put("extra_layers", plan.extraLayers());
            o.put("parameters", big.numParameters());
            o.put("check_predictions", predictions);
            o.put("max_abs_logprob_diff", maxDiff);
            System.out.println(Configs.toJsonLine(o));
        } else {
            System.out.printf("source      %s (d=%d, %d heads, %d layers, MLP %d; %d parameters)%n", resolved, small.d(), small.heads(),
                small.layers(), small.dInter(), small.parameterCount());
            System.out.printf("into        %s (d=%d, %d heads, %d layers, MLP %d; %d parameters)%n", name, large.d(), large.heads(),
                large.layers(), large.dInter(), big.numParameters());
            System.out.printf("map         width ratio %d, MLP units x%d + %d zero units, %d extra zero layers%n", plan.widthRatio(),
                plan.interCopies(), plan.interPadding(), plan.extraLayers());
            if (predictions > 0) System.out.printf("check       max |log q_small - log q_large| = %.2e over %d masked predictions%n", maxDiff, predictions);
            System.out.printf("wrote       %s%n", out);
        }
        return 0;
    }
}
