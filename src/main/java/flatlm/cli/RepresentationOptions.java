package flatlm.cli;

import flatlm.eval.Representation;
import picocli.CommandLine.Option;

/** Which representation the linear probe reads ({@code probe}; {@code lookup} takes --read only). */
public final class RepresentationOptions {
    @Setting("representation.layerId")
    @Option(names = "--layer", paramLabel = "K|final|all",
        description = "Layer state to probe: 0 = the embedding output, 1..N = each block's (LSTM layer's) output, N+1 = "
            + "the final LayerNorm of a pre-LN transformer; final = the last of them (the paper's features); all = every "
            + "layer, one table (accuracy and probe cross-entropy per layer, the same splits) (default: ${DEFAULT-VALUE}).")
    String layer;

    @Setting("representation.read")
    @Option(names = "--read", paramLabel = "concat|masked",
        description = "concat: the layer's states of every word, concatenated (the paper's); masked: the layer's state at "
            + "the task's word position K (hmm:K) with that word replaced by [MASK] (where single-mask pre-training puts "
            + "its information), concatenated with the word's own embedding output (default: ${DEFAULT-VALUE}).")
    String read;

    boolean all() {
        return Representation.isAll(layer);
    }

    Representation.Read readChoice() {
        return Representation.Read.parse(read);
    }

    /** The single representation (not with --layer all). */
    Representation single() {
        return new Representation(Representation.parseLayer(layer), readChoice());
    }

    /** One-line errors for malformed values, before any work. */
    void validate() {
        readChoice();
        if (!all()) Representation.parseLayer(layer);
    }
}
