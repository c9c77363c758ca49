package flatlm.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.util.Checksums;
import flatlm.lang.LanguageSpec;
import flatlm.train.TrainConfig;
import flatlm.util.BadInputException;
import flatlm.util.BuildInfo;
import flatlm.util.Configs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a cached result is computed from, the one source of every reuse key of a reproduction
 * (runs, measurements, the lookup table, the Dyck experiment): the format version of the code
 * that computes it, the settings that change its numbers, and the SHA-256 of every input file
 * the settings name by path (a grammar file, a language directory, a corpus, a checkpoint to
 * start from), so that editing a file invalidates what was computed from it.
 *
 * <p>key = first 10 hex digits of SHA-256(canonical JSON {format, settings, inputs}). The build's
 * git commit ({@link BuildInfo#commit}) is recorded beside each result ({@link #record}) but is
 * not in the key: a commit that changes no number must not invalidate finished runs, and one that
 * does bumps {@link #FORMAT}.
 */
public record Provenance(int format, JsonNode settings, Map<String, String> inputs) {
    /**
     * Version of everything that computes cached results. Bump it with any change of code or
     * code defaults that changes a number of a run, a measurement or their files.
     */
    public static final int FORMAT = 3; // 3: the transformer computes its last block at the masked positions only, fused attention (other float paths)

    /**
     * Settings that stay out of a run's key as a path: {@code initFrom} (a continuation enters by
     * its parent's key, any other start by the content hash of its weights). {@code threads}
     * stays in: libtorch's reductions split by thread, so 1 and 2 threads give different weights
     * after 200 steps (measured: {@code pretrain --steps 200 --threads 1|2}, model.safetensors
     * differs).
     */
    static final List<String> NOT_IN_RUN_KEY = List.of("initFrom");

    public Provenance {
        inputs = Map.copyOf(new TreeMap<>(inputs));
    }

    /** A pre-training run: its config less {@link #NOT_IN_RUN_KEY}, and its input files. */
    static Provenance ofRun(TrainConfig cfg) {
        ObjectNode s = (ObjectNode) Configs.toTree(cfg);
        NOT_IN_RUN_KEY.forEach(s::remove);
        Map<String, String> in = new TreeMap<>(inputsOf(cfg.language));
        if (cfg.data.corpus != null) in.put("data.corpus", contentHash(Path.of(cfg.data.corpus), "data.corpus"));
        if (cfg.initFrom != null) in.put("initFrom", initFromHash(cfg.initFrom));
        return new Provenance(FORMAT, s, in);
    }

    /** Any other settings computed on a language (measurements, the lookup table): the settings and the language's files. */
    static Provenance of(Object settings, LanguageSpec language) {
        return new Provenance(FORMAT, Configs.toTree(settings), language == null ? Map.of() : inputsOf(language));
    }

    /** The same provenance with one more setting (e.g. the key of the run a continuation starts from). */
    Provenance with(String name, String value) {
        ObjectNode s = settings.deepCopy() instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
        s.put(name, value);
        return new Provenance(format, s, inputs);
    }

    /** The reuse key, of the canonical JSON (object fields sorted at every level: map order never matters). */
    public String key() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("format", format);
        n.set("settings", settings);
        n.set("inputs", Configs.toTree(new TreeMap<>(inputs)));
        return RunSpec.hash(Configs.toJsonLine(canonical(n)));
    }

    /** A copy of {@code n} with the fields of every object in sorted order. */
    static JsonNode canonical(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            java.util.List<String> names = new java.util.ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            java.util.Collections.sort(names);
            for (String k : names) o.set(k, canonical(n.get(k)));
            return o;
        }
        if (n.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode a = JsonNodeFactory.instance.arrayNode();
            n.forEach(x -> a.add(canonical(x)));
            return a;
        }
        return n;
    }

    /** What is written beside a result: the key, format, input hashes and the build's commit. */
    Map<String, Object> record() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("key", key());
        m.put("format", format);
        m.put("code", BuildInfo.commit());
        m.put("inputs", new TreeMap<>(inputs));
        return m;
    }

    /** The weights a run starts from (a checkpoint, model file or run directory: its resolved model file). */
    private static String initFromHash(String initFrom) {
        try {
            return Checksums.sha256(flatlm.train.Checkpoint.open(Path.of(initFrom)).modelFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Content hashes of the files a language names: {@code language.dir}, a grammar rule file, a causal-lm generator and its vocabulary ids. */
    static Map<String, String> inputsOf(LanguageSpec l) {
        Map<String, String> in = new TreeMap<>();
        if (l.dir != null) in.put("language.dir", contentHash(Path.of(l.dir), "language.dir"));
        else if ("pcfg".equals(l.kind) && !"authors".equals(l.grammar) && !"random".equals(l.grammar))
            in.put("language.grammar", contentHash(Path.of(l.grammar), "language.grammar"));
        else if ("causal-lm".equals(l.kind)) {
            if (l.generator != null && !l.builtInGenerator()) in.put("language.generator", contentHash(Path.of(l.generator), "language.generator"));
            if (l.vocabIds != null) in.put("language.vocabIds", contentHash(Path.of(l.vocabIds), "language.vocabIds"));
        }
        return in;
    }

    /**
     * SHA-256 of a file, or of a directory: every regular file under it in sorted relative-path
     * order, each as (path, NUL, content hash, NUL). Missing: a one-line error naming the key.
     */
    static String contentHash(Path p, String key) {
        try {
            if (Files.isRegularFile(p)) return Checksums.sha256(p);
            if (!Files.isDirectory(p)) throw new BadInputException(key + ": " + p + " does not exist");
            MessageDigest md = Checksums.sha256();
            List<Path> files;
            try (Stream<Path> s = Files.walk(p)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                md.update(p.relativize(f).toString().replace('\\', '/').getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(Checksums.sha256(f).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                md.update((byte) 0);
            }
            return Checksums.hex(md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
