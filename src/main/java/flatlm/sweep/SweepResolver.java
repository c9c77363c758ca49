package flatlm.sweep;

import flatlm.experiment.Reproduction;
import flatlm.experiment.ExperimentPlan;
import flatlm.experiment.RunSpec;
import flatlm.exec.slurm.SlurmOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import flatlm.lang.Language;
import flatlm.train.TrainConfig;
import flatlm.util.BadInputException;
import flatlm.util.Configs;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep file → a {@link SweepPlan}, with one-line errors naming the file and the key: unknown
 * keys, empty grids, values of the wrong type, continuations of stages that do not exist.
 */
public final class SweepResolver {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String MAIN = "main";

    private SweepResolver() {}

    public static SweepPlan load(Path file) throws IOException {
        String src = file.toString();
        SweepSpec spec = Configs.bind(Configs.readTree(file), SweepSpec.class, src);
        return resolve(spec, src, file.toAbsolutePath().getParent());
    }

    static SweepPlan resolve(SweepSpec spec, String src, Path dir) throws IOException {
        SweepPlan p = new SweepPlan();
        p.source = src;
        p.name = spec.name != null ? spec.name : Path.of(src).getFileName().toString().replaceFirst("\\.(ya?ml|json)$", "");
        if (!p.name.matches("[A-Za-z0-9._-]+")) throw new BadInputException(src + ": name '" + p.name + "' must be letters, digits, . _ -");
        p.description = spec.description == null ? "" : spec.description;
        JsonNode measureBase = Configs.toTree(new ExperimentPlan.Measure());
        double saturation = 0.01;
        if (spec.preset != null) {
            String preset = spec.preset.matches(".*\\.(ya?ml|json)$") ? dir.resolve(spec.preset).toString() : spec.preset;
            ExperimentPlan plan = Reproduction.load(preset);
            ObjectNode lang = F.objectNode();
            lang.set("language", Configs.toTree(plan.language));
            p.base.add(lang);
            p.base.add(plan.train.deepCopy());
            measureBase = Configs.toTree(plan.measure);
            saturation = plan.saturationKl;
        }
        if (spec.config != null) p.base.add(expand(Configs.readTree(dir.resolve(spec.config)), src + ": config"));
        if (spec.train != null) p.base.add(expand(spec.train, src + ": train"));
        p.saturationKl = spec.saturationKl != null ? spec.saturationKl : saturation;
        if (!(p.saturationKl > 0)) throw new BadInputException(src + ": saturationKl must be positive");
        ObjectNode baseTree = merged(p.base, null);
        TrainConfig base = bindTrain(baseTree, src + ": base config");

        ObjectNode m = ((ObjectNode) measureBase).deepCopy();
        if (spec.measure != null) RunSpec.deepMerge(m, spec.measure);
        p.measure = Configs.bind(m, ExperimentPlan.Measure.class, src + ": measure");
        validateMeasure(p.measure, base, src);
        p.base.add(0, p.measure.heldOutLayer()); // the measured held-out set is every run's (one KL per checkpoint)
        baseTree = merged(p.base, null);
        if (!spec.checkpoints.equals("last") && !spec.checkpoints.equals("all"))
            throw new BadInputException(src + ": checkpoints must be last or all, got '" + spec.checkpoints + "'");
        p.checkpoints = spec.checkpoints;

        points(spec, p, baseTree, base.seed, src);
        stages(spec, p, src);
        p.slurm = (spec.slurm == null ? new SlurmOptions() : spec.slurm).validate(src);
        return p;
    }

    private static void validateMeasure(ExperimentPlan.Measure m, TrainConfig base, String src) throws IOException {
        m.validate(src, true); // the one check of reproduce's too; a sweep may measure no Tr(H)
        if (m.tasks.isEmpty()) return;
        Language language = base.language.build();
        for (String t : m.tasks) {
            try {
                language.task(t);
            } catch (RuntimeException e) {
                throw new BadInputException(src + ": measure.tasks: " + e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ points

    private static void points(SweepSpec spec, SweepPlan p, ObjectNode baseTree, long baseSeed, String src) {
        Map<String, List<JsonNode>> grid = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : spec.grid.entrySet()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (v == null || !v.isArray()) throw new BadInputException(src + ": grid '" + key + "' must be a list of values, got " + v);
            if (v.isEmpty()) throw new BadInputException(src + ": grid '" + key + "' is empty: give at least one value");
            List<JsonNode> values = new ArrayList<>();
            for (JsonNode x : v) values.add(check(key, normalise(x), baseTree, src + ": grid '" + key + "'"));
            grid.put(key, values);
        }
        List<ObjectNode> entries = new ArrayList<>();
        if (spec.list != null) {
            if (spec.list.isEmpty()) throw new BadInputException(src + ": list is empty: give at least one override set");
            for (int i = 0; i < spec.list.size(); i++) {
                ObjectNode flat = F.objectNode();
                flatten("", spec.list.get(i), flat);
                if (flat.isEmpty()) throw new BadInputException(src + ": list[" + i + "] is empty");
                ObjectNode checked = F.objectNode();
                for (Iterator<Map.Entry<String, JsonNode>> it = flat.fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (grid.containsKey(e.getKey()))
                        throw new BadInputException(src + ": key '" + e.getKey() + "' is both in grid and in list[" + i + "]");
                    checked.set(e.getKey(), check(e.getKey(), normalise(e.getValue()), baseTree, src + ": list[" + i + "] '" + e.getKey() + "'"));
                }
                entries.add(checked);
            }
        }
        if (grid.isEmpty() && entries.isEmpty()) throw new BadInputException(src + ": nothing to sweep: give a grid and/or a list");
        Set<String> keys = new LinkedHashSet<>();
        for (ObjectNode e : entries) e.fieldNames().forEachRemaining(keys::add);
        keys.addAll(grid.keySet());
        p.keys = new ArrayList<>(keys);
        if (entries.isEmpty()) entries.add(F.objectNode());
        List<ObjectNode> combos = new ArrayList<>(List.of(F.objectNode()));
        for (Map.Entry<String, List<JsonNode>> e : grid.entrySet()) {
            List<ObjectNode> next = new ArrayList<>();
            for (ObjectNode c : combos)
                for (JsonNode v : e.getValue()) {
                    ObjectNode n = c.deepCopy();
                    n.set(e.getKey(), v);
                    next.add(n);
                }
            combos = next;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (ObjectNode entry : entries)
            for (ObjectNode combo : combos) {
                SweepPlan.Point pt = new SweepPlan.Point();
                pt.values = F.objectNode();
                for (String k : p.keys) {
                    JsonNode v = entry.has(k) ? entry.get(k) : combo.get(k);
                    if (v != null) pt.values.set(k, v);
                }
                pt.overrides = F.objectNode();
                for (Iterator<Map.Entry<String, JsonNode>> it = pt.values.fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (!e.getKey().equals("seed")) RunSpec.deepMerge(pt.overrides, nest(e.getKey(), e.getValue()));
                }
                pt.seed = pt.values.has("seed") ? pt.values.get("seed").asLong() : baseSeed;
                pt.label = label(pt.values, p.keys);
                String seen = labels.put(pt.label + "/s" + pt.seed, pt.values.toString());
                if (seen != null)
                    throw new BadInputException(src + ": two points give the same run " + pt.label + "/s" + pt.seed + ": " + seen + " and " + pt.values);
                p.points.add(pt);
            }
    }

    /** A value of key {@code key}, checked by binding the base config with it: unknown key, wrong type, out of range. */
    private static JsonNode check(String key, JsonNode v, ObjectNode baseTree, String where) {
        if (key.equals("seed")) {
            if (!v.isIntegralNumber())
                throw new BadInputException(where + ": a pre-training seed must be an integer in 1.." + (RunSpec.SEED_LIMIT - 1) + ", got " + v);
            RunSpec.requirePretrainingSeed(where, v.asLong());
            return v;
        }
        if (!key.matches("[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9]*)*"))
            throw new BadInputException(where + ": '" + key + "' is not a config key (dotted names as in 'flatlm pretrain --print-config')");
        ObjectNode t = baseTree.deepCopy();
        RunSpec.deepMerge(t, nest(key, v));
        TrainConfig cfg = bindTrain(t, where);
        JsonNode bound = Configs.toTree(cfg).at("/" + key.replace('.', '/'));
        if (v.isNumber() && bound.isNumber() && v.doubleValue() != bound.doubleValue())
            throw new BadInputException(where + ": key '" + key + "' has a value of the wrong type: " + v + " (read as " + bound + ")");
        if (v.isValueNode() && !v.isNull() && bound.isMissingNode())
            throw new BadInputException(where + ": '" + key + "' is not a config key");
        return v;
    }

    private static TrainConfig bindTrain(ObjectNode layers, String where) {
        ObjectNode t = (ObjectNode) Configs.toTree(new TrainConfig());
        RunSpec.deepMerge(t, layers);
        return Configs.bind(t, TrainConfig.class, where).validate();
    }

    /** YAML reads 1e-3 (no dot) as text: a value that reads as a number is that number. */
    static JsonNode normalise(JsonNode v) {
        if (v instanceof TextNode t && t.asText().matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            BigDecimal d = new BigDecimal(t.asText());
            if (d.scale() <= 0 && t.asText().matches("[-+]?[0-9]+")) return F.numberNode(d.longValueExact());
            return F.numberNode(d.doubleValue());
        }
        return v;
    }

    /** Dotted keys → nested objects ({@code optimizer.lr: 1} → {@code optimizer: {lr: 1}}), deeply. */
    static ObjectNode expand(ObjectNode n, String where) {
        ObjectNode out = F.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue().isObject() ? expand((ObjectNode) e.getValue(), where) : e.getValue();
            RunSpec.deepMerge(out, nest(e.getKey(), v));
        }
        return out;
    }

    static ObjectNode nest(String dotted, JsonNode v) {
        String[] parts = dotted.split("\\.");
        ObjectNode root = F.objectNode(), cur = root;
        for (int i = 0; i < parts.length - 1; i++) cur = cur.putObject(parts[i]);
        cur.set(parts[parts.length - 1], v.isObject() ? expand((ObjectNode) v, dotted) : v);
        return root;
    }

    private static void flatten(String prefix, JsonNode n, ObjectNode into) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject() && !e.getValue().isEmpty()) flatten(k, e.getValue(), into);
            else into.set(k, e.getValue());
        }
    }

    private static ObjectNode merged(List<ObjectNode> layers, ObjectNode extra) {
        ObjectNode t = F.objectNode();
        for (ObjectNode l : layers) RunSpec.deepMerge(t, l);
        if (extra != null) RunSpec.deepMerge(t, extra);
        return t;
    }

    /**
     * The run label of a point: each swept key but the seed as its last name segment (the whole
     * key, dots as '-', when two keys share it) followed by the value; "base" when only seeds vary.
     */
    static String label(ObjectNode values, List<String> keys) {
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            if (k.equals("seed") || !values.has(k)) continue;
            String last = k.substring(k.lastIndexOf('.') + 1);
            boolean ambiguous = keys.stream().filter(o -> !o.equals(k)).anyMatch(o -> o.substring(o.lastIndexOf('.') + 1).equals(last));
            parts.add((ambiguous ? k.replace('.', '-') : last) + format(values.get(k)));
        }
        String l = parts.isEmpty() ? "base" : String.join("-", parts);
        return l.replaceAll("[^A-Za-z0-9.+_-]+", "_");
    }

    /** A value as written in labels and sweep.csv: numbers without trailing zeros (0.001, 1e-05, 32). */
    static String format(JsonNode v) {
        if (v.isIntegralNumber()) return v.asText();
        if (v.isNumber()) {
            double d = v.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
            String s = BigDecimal.valueOf(d).stripTrailingZeros().toString();
            return s.replace("E", "e");
        }
        if (v.isValueNode()) return v.asText();
        return v.toString();
    }

    // ------------------------------------------------------------------ stages

    private static void stages(SweepSpec spec, SweepPlan p, String src) {
        SweepPlan.Stage main = new SweepPlan.Stage();
        main.name = MAIN;
        main.train = F.objectNode();
        p.stages.add(main);
        for (Map.Entry<String, SweepSpec.Continuation> e : spec.continuations.entrySet()) {
            String name = e.getKey();
            SweepSpec.Continuation c = e.getValue();
            if (c == null) throw new BadInputException(src + ": continuation '" + name + "' is empty: give from and train");
            if (!name.matches("[A-Za-z0-9_]+")) throw new BadInputException(src + ": continuation name '" + name + "' must be letters, digits, _");
            if (p.stage(name) != null) throw new BadInputException(src + ": stage '" + name + "' is declared twice");
            if (p.stage(c.from) == null)
                throw new BadInputException(src + ": continuation '" + name + "' continues stage '" + c.from + "', which does not exist "
                    + "(stages declared before it: " + String.join(", ", p.stages.stream().map(s -> s.name).toList()) + ")");
            SweepPlan.Stage s = new SweepPlan.Stage();
            s.name = name;
            s.from = c.from;
            s.train = c.train == null ? F.objectNode() : expand(c.train, src);
            p.stages.add(s);
        }
    }
}
