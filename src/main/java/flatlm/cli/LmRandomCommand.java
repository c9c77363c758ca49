package flatlm.cli;

import flatlm.lang.causal.RandomOpt;
import flatlm.util.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code flatlm lm random}: a seeded random OPT generator in the Hugging Face directory format. */
@Command(name = "random", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Writes a seeded random OPT generator (config.json, model.safetensors, vocab.json) for "
        + "--lang causal-lm: tokens <s> <pad> </s> <unk>, the words w0.. and the control tokens <c0>.. of a "
        + "hidden class prefix. Embeddings and positions N(0,1), Linear weights N(0,1/fan_in); the final LayerNorm "
        + "scales the logits to standard deviation about --logit-std, which sets the language's entropy.",
        "Example: flatlm lm random --out gen --words 200 --controls 4 && "
            + "flatlm lang stats --lang causal-lm --generator gen --length 12 --control-ids 204,205,206,207"})
public final class LmRandomCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New (or empty) output directory.")
    Path out;

    @Option(names = "--words", defaultValue = "" + RandomOpt.DEFAULT_WORDS, description = "Words (default: ${DEFAULT-VALUE}).")
    int words;

    @Option(names = "--controls", defaultValue = "0",
        description = "Control tokens <c0>.. after the words (ids words+4..), for --control-ids (default: ${DEFAULT-VALUE}).")
    int controls;

    @Option(names = "--layers", defaultValue = "" + RandomOpt.DEFAULT_LAYERS, description = "Decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "" + RandomOpt.DEFAULT_HIDDEN, description = "Hidden size d (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--heads", defaultValue = "" + RandomOpt.DEFAULT_HEADS, description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--ffn", defaultValue = "" + RandomOpt.DEFAULT_FFN, description = "MLP width (default: ${DEFAULT-VALUE}).")
    int ffn;

    @Option(names = "--max-positions", defaultValue = "" + RandomOpt.DEFAULT_MAX_POSITIONS,
        description = "max_position_embeddings: longest sequence, BOS and control prefix included (default: ${DEFAULT-VALUE}).")
    int maxPositions;

    @Option(names = "--logit-std", defaultValue = "" + RandomOpt.DEFAULT_LOGIT_STD,
        description = "Standard deviation of the logits; larger = peakier next-token distributions, lower entropy "
            + "(default: ${DEFAULT-VALUE}).")
    double logitStd;

    @Option(names = "--tied", description = "Tie the head to the token embeddings (OPT's layout; makes repeating the current token likely).")
    boolean tied;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out))) {
            throw new BadInputException(out + " already exists and is not empty; choose another --out");
        }
        RandomOpt.Shape shape = new RandomOpt.Shape(words, controls, layers, hidden, heads, ffn, maxPositions, logitStd, tied);
        RandomOpt.write(out, shape, seed);
        List<String> ids = new ArrayList<>();
        for (int c = 0; c < controls; c++) ids.add(Integer.toString(shape.controlId(c)));
        System.out.printf("wrote a random OPT generator (%d words, %d layers, d %d) to %s%n", words, layers, hidden, out);
        System.out.printf("language: --lang causal-lm --generator %s --length 12%s%n", out,
            ids.isEmpty() ? "" : " --control-ids " + String.join(",", ids));
        return 0;
    }

    private static boolean isEmpty(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
