package flatlm.lang.hmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DefinitionFiles;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * {@code language.json} of an HMM:
 * {"kind":"hmm","config":{states,words,blocks,length,alpha,leakage,transitionAlpha,emissionAlpha,
 * permutations,temperature},"seed":n (optional),"initial":[S],"transition":[S][S],"emission":[S][V]},
 * doubles written at full precision (shortest decimal that reads back to the same double).
 * {@code temperature} is written only when permutations &gt; 0. Files written before these four
 * fields existed lack them and still load: transitionAlpha and emissionAlpha then equal alpha,
 * permutations is 0.
 */
final class HmmDefinition {
    static final double TOLERANCE = 1e-9;

    private HmmDefinition() {}

    static void write(Path dir, Hmm.Config c, OptionalLong seed, double[] initial, double[][] trans,
                      double[][] emit) throws IOException {
        ObjectNode root = DefinitionFiles.newDefinition("hmm");
        ObjectNode cfg = root.putObject("config");
        cfg.put("states", c.states());
        cfg.put("words", c.words());
        cfg.put("blocks", c.blocks());
        cfg.put("length", c.length());
        cfg.put("alpha", c.alpha());
        cfg.put("leakage", c.leakage());
        cfg.put("transitionAlpha", c.transitionAlpha());
        cfg.put("emissionAlpha", c.emissionAlpha());
        cfg.put("permutations", c.permutations());
        if (c.permutations() > 0) cfg.put("temperature", c.temperature());
        if (seed.isPresent()) root.put("seed", seed.getAsLong());
        ArrayNode init = root.putArray("initial");
        for (double p : initial) init.add(p);
        putMatrix(root.putArray("transition"), trans);
        putMatrix(root.putArray("emission"), emit);
        DefinitionFiles.write(dir, root);
    }

    private static void putMatrix(ArrayNode node, double[][] m) {
        for (double[] row : m) {
            ArrayNode r = node.addArray();
            for (double p : row) r.add(p);
        }
    }

    static Hmm read(Path dir) throws IOException {
        Path file = dir.resolve(DefinitionFiles.FILE);
        JsonNode root = DefinitionFiles.read(dir, "hmm");
        JsonNode cfg = root.get("config");
        if (cfg == null || !cfg.isObject()) throw new BadInputException(file + ": missing \"config\" object");
        Hmm.Config config;
        try {
            config = new Hmm.Config(intField(file, cfg, "states"), intField(file, cfg, "words"),
                intField(file, cfg, "blocks"), intField(file, cfg, "length"),
                doubleField(file, cfg, "alpha"), doubleField(file, cfg, "leakage"),
                optionalDouble(file, cfg, "transitionAlpha"), optionalDouble(file, cfg, "emissionAlpha"),
                cfg.hasNonNull("permutations") ? intField(file, cfg, "permutations") : 0,
                optionalDouble(file, cfg, "temperature"));
        } catch (BadInputException e) {
            throw new BadInputException(file + ": " + e.getMessage());
        }
        OptionalLong seed = OptionalLong.empty();
        JsonNode s = root.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) throw new BadInputException(file + ": \"seed\" must be an integer");
            seed = OptionalLong.of(s.asLong());
        }
        double[][] init = matrix(file, root, "initial", true);
        double[][] trans = matrix(file, root, "transition", false);
        double[][] emit = matrix(file, root, "emission", false);
        validate(file.toString(), config, init[0], trans, emit);
        return new Hmm(config, init[0], trans, emit, seed);
    }

    private static int intField(Path file, JsonNode cfg, String name) {
        JsonNode n = cfg.get(name);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new BadInputException(file + ": config." + name + " must be an integer");
        }
        return n.asInt();
    }

    private static double doubleField(Path file, JsonNode cfg, String name) {
        JsonNode n = cfg.get(name);
        if (n == null || !n.isNumber()) throw new BadInputException(file + ": config." + name + " must be a number");
        return n.asDouble();
    }

    /** A number, or NaN when the field is absent (or null). */
    private static double optionalDouble(Path file, JsonNode cfg, String name) {
        JsonNode n = cfg.get(name);
        return n == null || n.isNull() ? Double.NaN : doubleField(file, cfg, name);
    }

    /** A matrix of numbers (a vector, returned as one row, when {@code vector}). */
    private static double[][] matrix(Path file, JsonNode root, String name, boolean vector) {
        JsonNode m = root.get(name);
        if (m == null || !m.isArray()) throw new BadInputException(file + ": missing array \"" + name + "\"");
        if (vector) return new double[][] {row(file, name, m)};
        double[][] out = new double[m.size()][];
        for (int i = 0; i < m.size(); i++) {
            JsonNode r = m.get(i);
            if (!r.isArray()) throw new BadInputException(file + ": " + name + " row " + i + " is not an array");
            out[i] = row(file, name + " row " + i, r);
        }
        return out;
    }

    private static double[] row(Path file, String what, JsonNode r) {
        double[] out = new double[r.size()];
        for (int j = 0; j < r.size(); j++) {
            JsonNode v = r.get(j);
            if (!v.isNumber()) throw new BadInputException(file + ": " + what + " entry " + j + " is not a number");
            out[j] = v.asDouble();
        }
        return out;
    }

    /** Shapes match the config; every row finite, non-negative and summing to 1 within 1e-9. */
    static void validate(String where, Hmm.Config c, double[] initial, double[][] trans, double[][] emit) {
        int S = c.states(), V = c.words();
        if (initial.length != S) {
            throw new BadInputException(where + ": initial has " + initial.length + " entries, expected states=" + S);
        }
        checkRow(where, "initial", initial);
        if (trans.length != S) {
            throw new BadInputException(where + ": transition has " + trans.length + " rows, expected states=" + S);
        }
        if (emit.length != S) {
            throw new BadInputException(where + ": emission has " + emit.length + " rows, expected states=" + S);
        }
        for (int s = 0; s < S; s++) {
            if (trans[s].length != S) {
                throw new BadInputException(where + ": transition row " + s + " has " + trans[s].length
                    + " entries, expected states=" + S);
            }
            checkRow(where, "transition row " + s, trans[s]);
            if (emit[s].length != V) {
                throw new BadInputException(where + ": emission row " + s + " has " + emit[s].length
                    + " entries, expected words=" + V);
            }
            checkRow(where, "emission row " + s, emit[s]);
        }
    }

    private static void checkRow(String where, String what, double[] p) {
        double sum = 0;
        for (int j = 0; j < p.length; j++) {
            if (!(p[j] >= 0) || Double.isInfinite(p[j])) {
                throw new BadInputException(where + ": " + what + " entry " + j + " is " + p[j]
                    + " (probabilities must be finite and non-negative)");
            }
            sum += p[j];
        }
        if (!(Math.abs(sum - 1) <= TOLERANCE)) {
            throw new BadInputException(where + ": " + what + " sums to " + sum + ", not 1 (tolerance " + TOLERANCE + ")");
        }
    }
}
