package flatlm.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.train.TrainConfig;
import flatlm.util.Configs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * One pre-training run of a reproduction: its experiment, label, pre-training seed, validated
 * config, the run it continues (nullable) and its {@link Provenance}: its config, the content of
 * the files it names and the code's format version, with the parent's hash for a continuation. A
 * finished run is found by that hash ({@code runs/EXPERIMENT-LABEL-sSEED-HASH}), so changing any
 * setting or input file gives a new run and an unchanged one is reused.
 */
public record RunSpec(String experiment, String label, long seed, TrainConfig config, RunSpec parent, Provenance provenance) {
    /** Pre-training seeds are below this, so that continuation data seeds never collide with them. */
    public static final long SEED_LIMIT = 1_000_000;

    /** The one rule of a pre-training seed ({@code reproduce}, {@code sweep}, {@code pretrain}): an integer in 1..SEED_LIMIT-1. */
    public static void requirePretrainingSeed(String where, long seed) {
        if (seed < 1 || seed >= SEED_LIMIT)
            throw new flatlm.util.BadInputException(where + ": a pre-training seed must be an integer in 1.." + (SEED_LIMIT - 1) + ", got " + seed);
    }

    /** "experiment/label" (the condition, shared by its seeds). */
    public String condition() {
        return experiment + "/" + label;
    }

    /** The run's key ({@link Provenance#key}). */
    public String hash() {
        return provenance.key();
    }

    public String id() {
        return condition() + "/s" + seed;
    }

    public Path dir(Path out) {
        return out.resolve("runs").resolve(experiment + "-" + label + "-s" + seed + "-" + hash());
    }

    /**
     * The config seed of a continuation of pre-training seed s: SEED_LIMIT·s + depth, so a
     * continuation draws batches its parent never saw, and every continuation of one parent
     * draws the same ones (a paired comparison of algorithms).
     */
    public static long dataSeed(long seed, RunSpec parent) {
        int depth = 0;
        for (RunSpec p = parent; p != null; p = p.parent()) depth++;
        return depth == 0 ? seed : SEED_LIMIT * seed + depth;
    }

    /**
     * A run from layered pretrain keys (later layers win), validated, with the config seed of
     * pre-training seed {@code seed} ({@link #dataSeed}); {@code parent} is continued when non-null.
     */
    public static RunSpec of(String experiment, String label, long seed, RunSpec parent, String source, JsonNode... layers) {
        ObjectNode merged = Configs.toTree(new TrainConfig()).deepCopy();
        for (JsonNode layer : layers) if (layer != null) deepMerge(merged, layer);
        merged.put("seed", dataSeed(seed, parent));
        TrainConfig cfg = Configs.bind(merged, TrainConfig.class, source + " (" + experiment + "/" + label + ")").validate();
        // the parent enters by its identity, not by a path: initFrom is set when the run starts
        Provenance p = Provenance.ofRun(cfg);
        if (parent != null) p = p.with("continues", parent.hash() + "@" + parent.config().steps);
        return new RunSpec(experiment, label, seed, cfg, parent, p);
    }

    /** First 10 hex digits of SHA-256. */
    static String hash(String canonical) {
        return flatlm.util.Checksums.shortHash(canonical);
    }

    /** Merges {@code src} into {@code dst}: objects key by key, everything else replaced. */
    public static void deepMerge(ObjectNode dst, JsonNode src) {
        for (Iterator<Map.Entry<String, JsonNode>> it = src.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode cur = dst.get(e.getKey());
            if (cur instanceof ObjectNode o && e.getValue().isObject()) deepMerge(o, e.getValue());
            else dst.set(e.getKey(), e.getValue().deepCopy());
        }
    }
}
