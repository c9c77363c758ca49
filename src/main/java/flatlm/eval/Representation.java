package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.model.MlmModel;
import flatlm.util.BadInputException;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * Which representation of a frozen model the linear probe reads ({@link ModelFeatures}): a layer
 * state ({@link MlmModel#layerStates}: 0 = the embedding output, then every layer's output, the
 * final LayerNorm where the model has one; {@link #FINAL} = the last, the paper's) and a read:
 * <ul>
 * <li>{@link Read#CONCAT} (the paper's): the layer's states of every word, concatenated, {@code [n·w]};</li>
 * <li>{@link Read#MASKED}: the layer's state at the task's word position k with x_k replaced by
 *     [MASK], concatenated with the word's own embedding (layer 0 at k, unmasked),
 *     {@code [w + w_0]}. Single-mask pre-training trains exactly that masked state to predict
 *     p*(x_k | x_-k); with the word's identity beside it a linear head can express
 *     log p(s_k | x) = log p(s_k | x_-k) + log p(x_k | s_k) + const.</li>
 * </ul>
 */
public record Representation(int layer, Read read) {
    /** The last layer state, whatever the model's depth. */
    public static final int FINAL = -1;

    public static final Representation DEFAULT = new Representation(FINAL, Read.CONCAT);

    public enum Read {
        CONCAT("concat"), MASKED("masked");

        public final String id;

        Read(String id) {
            this.id = id;
        }

        public static Read parse(String s) {
            for (Read r : values()) if (r.id.equals(s)) return r;
            throw new BadInputException("--read must be concat (every word's state, concatenated) or masked (the state at "
                + "the task's position with that word masked, plus its embedding), got '" + s + "'");
        }
    }

    public Representation {
        if (layer < FINAL) throw new BadInputException("--layer must be >= 0, got " + layer);
        if (read == null) read = Read.CONCAT;
    }

    /** The layer as {@code --layer} takes it: "final" or its number. */
    public String layerId() {
        return layer == FINAL ? "final" : Integer.toString(layer);
    }

    public boolean isDefault() {
        return layer == FINAL && read == Read.CONCAT;
    }

    /** "final", "all" (null: every layer) or a layer number. */
    public static boolean isAll(String layer) {
        return "all".equals(layer);
    }

    /** A layer given as "final" or a number ≥ 0 ("all" is the caller's loop). */
    public static int parseLayer(String s) {
        if (s == null || s.equals("final")) return FINAL;
        try {
            int k = Integer.parseInt(s.trim());
            if (k >= 0) return k;
        } catch (NumberFormatException e) {
            // below
        }
        throw new BadInputException("--layer must be a layer number (0 = the embedding output), final or all, got '" + s + "'");
    }

    /** The layer index in {@code model}: {@link #FINAL} resolved; a layer the model does not have is a one-line error. */
    public int layerIn(MlmModel model) {
        int n = model.numLayerStates();
        if (layer == FINAL) return n - 1;
        if (layer >= n) throw new BadInputException("--layer " + layer + ": this " + model.kind() + " has " + layers(model));
        return layer;
    }

    /** "layer states 0..3 (0 embedding, 1 block 1, 2 block 2, 3 final LayerNorm)". */
    public static String layers(MlmModel model) {
        StringBuilder s = new StringBuilder("layer states 0.." + (model.numLayerStates() - 1) + " (");
        for (int k = 0; k < model.numLayerStates(); k++) s.append(k == 0 ? "" : ", ").append(k).append(' ').append(model.layerName(k));
        return s.append(')').toString();
    }

    /** The task's word position for the masked read (−1 for the concat read); a task without one is a one-line error. */
    public int positionOf(DownstreamTask task) {
        if (read == Read.CONCAT) return -1;
        OptionalInt p = task.wordPosition();
        if (p.isEmpty()) throw new BadInputException("--read masked needs a task about one word position (hmm:K); "
            + task.name() + " is about the whole sentence");
        return p.getAsInt();
    }

    /** For reports: "layer 3 (final LayerNorm), concatenated word states". */
    public String describe(MlmModel model) {
        int k = layerIn(model);
        String where = "layer " + k + " (" + model.layerName(k) + ")";
        return where + ", " + (read == Read.CONCAT ? "concatenated word states" : "state at the masked task position + the word's embedding");
    }

    /** "final/concat", "2/masked": the form of the plan key {@code measure.probeRepresentation}. */
    public String id() {
        return (layer == FINAL ? "final" : Integer.toString(layer)) + "/" + read.id;
    }

    /** Parses {@link #id()}: "LAYER/READ" or "LAYER" (concat). */
    public static Representation parse(String id) {
        String[] parts = id.trim().toLowerCase(Locale.ROOT).split("/", -1);
        if (parts.length > 2) throw new BadInputException("a representation is LAYER/READ (e.g. final/concat, 2/masked), got '" + id + "'");
        return new Representation(parseLayer(parts[0]), parts.length == 2 ? Read.parse(parts[1]) : Read.CONCAT);
    }
}
