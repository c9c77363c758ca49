package flatlm.lang.causal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DefinitionFiles;
import flatlm.util.Checksums;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link CausalLm} from a generator directory and options, and its {@code language.json}:
 * {"kind":"causal-lm","generator":ABSOLUTE_DIR,"sha256":{"config.json":..,"model.safetensors":..},
 * "vocabIds":[..],"length":n,"temperature":τ,"controlIds":[..]}. The weights stay in the generator
 * directory; loading checks their checksums, so a changed generator is an error, not a silent
 * change of language.
 *
 * <p>Default vocabulary (no {@code --vocab-ids}): the {@value #DEFAULT_WORDS} lowest token ids
 * that are not the config's BOS, EOS or PAD id, a control id, or named as a special token
 * {@code <...>} in vocab.json ({@code <unk>}, the control tokens {@code <cK>} of {@code flatlm lm random}). OPT's ids follow fairseq's dictionary, sorted by decreasing corpus frequency, so for
 * {@code facebook/opt-*} this is the 2,000 most frequent tokens, the paper's restriction; a
 * generator with fewer ids uses all its ordinary ids.
 */
public final class CausalLmDefinition {
    public static final int DEFAULT_WORDS = 2000;
    static final String VOCAB_JSON = "vocab.json";
    /** vocab.json names of special tokens, left out of the default vocabulary: {@code <unk>}, {@code <c0>}, ... */
    private static final java.util.regex.Pattern SPECIAL_NAME = java.util.regex.Pattern.compile("</?[^<>\\s]+>");

    private CausalLmDefinition() {}

    /**
     * The language of {@code generator} (config.json + model.safetensors [+ vocab.json]) with the
     * words of {@code vocabIdsFile} (one token id per line; null = the default above), sentences
     * of {@code length} tokens, sampling temperature τ and hidden control token ids (empty = none).
     */
    public static CausalLm build(Path generator, Path vocabIdsFile, int length, double temperature, int[] controls) {
        int vocabSize = OptConfig.read(generator).vocabSize();
        int[] ids = vocabIdsFile == null ? null : readIds(vocabIdsFile, vocabSize, generator.resolve(OptConfig.FILE));
        return build(generator, ids, length, temperature, controls);
    }

    /** {@link #build(Path, Path, int, double, int[])} with the word ids given (null = the default). */
    static CausalLm build(Path generator, int[] givenIds, int length, double temperature, int[] controls) {
        return build(OptModel.load(generator), generator.toAbsolutePath().normalize(), null,
            readVocabJson(generator.resolve(VOCAB_JSON)), givenIds, length, temperature, controls);
    }

    /**
     * The language of the built-in random generator {@code r} ({@link RandomOpt}, built in memory:
     * the same weights {@code flatlm lm random} writes, so the same language), words from {@code
     * vocabIdsFile} (null = the default: its words w0..), controls null = all its control tokens.
     */
    public static CausalLm buildRandom(RandomOpt.Seeded r, Path vocabIdsFile, int length, double temperature, int[] controls) {
        RandomOpt.Generated g = RandomOpt.generate(r.shape(), r.seed());
        int[] ids = vocabIdsFile == null ? null : readIds(vocabIdsFile, g.config().vocabSize(), Path.of(RANDOM + " generator"));
        return build(RandomOpt.model(g), null, r, g.vocab(), ids, length, temperature,
            controls == null ? r.shape().controlIds() : controls);
    }

    /** The generator named {@value #RANDOM} in {@code language.generator} (a directory of that name: {@code ./random}). */
    public static final String RANDOM = "random";

    /** The language of {@code model}: from the directory {@code generator}, or built in ({@code builtIn}); one of them null. */
    private static CausalLm build(OptModel model, Path generator, RandomOpt.Seeded builtIn, Map<Integer, String> names,
                                  int[] givenIds, int length, double temperature, int[] controls) {
        OptConfig c = model.config();
        Object config = generator == null ? RANDOM + " generator (" + describe(builtIn) + ")" : generator.resolve(OptConfig.FILE);
        Object vocabJson = generator == null ? RANDOM + " generator" : generator.resolve(VOCAB_JSON);
        int V = c.vocabSize();
        if (c.bosTokenId() < 0 || c.bosTokenId() >= V) {
            throw new BadInputException(config + ": bos_token_id " + c.bosTokenId() + " out of range 0.." + (V - 1));
        }
        if (length < 1) throw new BadInputException("causal-lm: --length must be >= 1, got " + length);
        int prefix = controls.length > 0 ? 2 : 1;
        if (length + prefix > c.maxPositions()) {
            throw new BadInputException("causal-lm: --length " + length + " plus " + prefix
                + " prefix token(s) exceeds max_position_embeddings " + c.maxPositions() + " of " + config
                + (generator == null ? " (raise lmMaxPositions, --lm-max-positions)" : ""));
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new BadInputException("causal-lm: --temperature must be positive and finite, got " + temperature);
        }
        if (controls.length == 1) throw new BadInputException("causal-lm: --control-ids needs at least 2 ids (one per class), got 1");
        Set<Integer> seen = new HashSet<>();
        for (int id : controls) {
            if (id < 0 || id >= V) {
                throw new BadInputException("causal-lm: control id " + id + " out of range 0.." + (V - 1) + " (vocab_size of " + config + ")");
            }
            if (!seen.add(id)) throw new BadInputException("causal-lm: control id " + id + " given twice");
        }
        int[] ids = givenIds == null ? defaultIds(c, names, controls) : givenIds;
        for (int id : ids) {
            if (id < 0 || id >= V) throw new BadInputException("causal-lm: token id " + id + " out of range 0.." + (V - 1) + " (vocab_size of " + config + ")");
            if (id == c.bosTokenId())
                throw new BadInputException("causal-lm: --vocab-ids lists token id " + id + ", the BOS token (bos_token_id of " + config
                    + "): every sentence starts with it, it cannot be a word");
            if (seen.contains(id))
                throw new BadInputException("causal-lm: --vocab-ids lists token id " + id + ", also a control token (--control-ids): "
                    + "a class prefix cannot be a word");
        }
        if (ids.length < 2) throw new BadInputException("causal-lm: the vocabulary needs at least 2 token ids, got " + ids.length);
        List<String> words = new ArrayList<>(ids.length);
        Set<String> taken = new HashSet<>();
        for (int id : ids) {
            String w = names.getOrDefault(id, Integer.toString(id));
            if (!taken.add(w)) {
                throw new BadInputException(vocabJson + ": token id " + id + " is named '" + w
                    + "', the name of another word (ids without a token string are named by their decimal id)");
            }
            words.add(w);
        }
        return new CausalLm(model, generator, builtIn, ids, words, length, temperature, controls);
    }

    /** E.g. {@code 50 words, 4 controls, 2 layers, d 64, 4 heads, MLP 256, logit std 2.0, seed 1} (non-default positions and tied head added). */
    public static String describe(RandomOpt.Seeded r) {
        RandomOpt.Shape s = r.shape();
        StringBuilder b = new StringBuilder().append(s.words()).append(" words");
        if (s.controls() > 0) b.append(", ").append(s.controls()).append(" controls");
        b.append(", ").append(s.layers()).append(" layers, d ").append(s.hidden()).append(", ").append(s.heads())
            .append(" heads, MLP ").append(s.ffn()).append(", logit std ").append(s.logitStd());
        if (s.maxPositions() != RandomOpt.DEFAULT_MAX_POSITIONS) b.append(", max positions ").append(s.maxPositions());
        if (s.tied()) b.append(", tied head");
        return b.append(", seed ").append(r.seed()).toString();
    }

    /** The default word ids (see the class comment). */
    static int[] defaultIds(OptConfig c, Map<Integer, String> names, int[] controls) {
        Set<Integer> skip = new HashSet<>(List.of(c.bosTokenId(), c.eosTokenId(), c.padTokenId()));
        for (int id : controls) skip.add(id);
        names.forEach((id, s) -> { if (SPECIAL_NAME.matcher(s).matches()) skip.add(id); });
        List<Integer> out = new ArrayList<>();
        for (int id = 0; id < c.vocabSize() && out.size() < DEFAULT_WORDS; id++) if (!skip.contains(id)) out.add(id);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One id per line (lines starting with # skipped, blank lines only at the end); each in range and distinct. */
    static int[] readIds(Path file, int vocabSize, Path config) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadInputException("cannot read --vocab-ids " + file + ": " + e.getMessage());
        }
        LinkedHashSet<Integer> ids = new LinkedHashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i).strip();
            if (s.isEmpty() && lines.subList(i, lines.size()).stream().allMatch(String::isBlank)) break; // blank lines at the end
            if (s.isEmpty()) throw BadInputException.at(file, i + 1, "blank line (one token id per line; # starts a comment)");
            if (s.startsWith("#")) continue;
            int id;
            try {
                id = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw BadInputException.at(file, i + 1, "expected a token id, got '" + s + "'");
            }
            if (id < 0 || id >= vocabSize) {
                throw BadInputException.at(file, i + 1, "token id " + id + " out of range 0.." + (vocabSize - 1)
                    + " (vocab_size of " + config + ")");
            }
            if (!ids.add(id)) throw BadInputException.at(file, i + 1, "token id " + id + " listed twice");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** vocab.json {token: id} inverted to id → token; empty when the file is absent. */
    static Map<Integer, String> readVocabJson(Path file) {
        Map<Integer, String> out = new HashMap<>();
        if (!Files.isRegularFile(file)) return out;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file + ": not valid JSON");
        }
        if (root == null || !root.isObject()) throw new BadInputException(file + ": expected a JSON object {token: id}");
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt()) throw new BadInputException(file + ": id of '" + e.getKey() + "' is not an integer");
            out.putIfAbsent(e.getValue().asInt(), e.getKey());
        }
        return out;
    }

    static void write(Path dir, CausalLm lm) throws IOException {
        ObjectNode root = DefinitionFiles.newDefinition(CausalLm.KIND);
        if (lm.builtIn() != null) {
            root.put("generator", RANDOM);
            RandomOpt.Shape s = lm.builtIn().shape();
            root.putObject(RANDOM).put("seed", lm.builtIn().seed()).put("words", s.words()).put("controls", s.controls())
                .put("layers", s.layers()).put("hidden", s.hidden()).put("heads", s.heads()).put("ffn", s.ffn())
                .put("maxPositions", s.maxPositions()).put("logitStd", s.logitStd()).put("tied", s.tied());
        } else {
            root.put("generator", lm.generator().toString());
            ObjectNode sha = root.putObject("sha256");
            for (String f : List.of(OptConfig.FILE, OptModel.WEIGHTS)) sha.put(f, Checksums.sha256(lm.generator().resolve(f)));
        }
        ArrayNode v = root.putArray("vocabIds");
        for (int id : lm.tokenIds()) v.add(id);
        root.put("length", lm.maxLength());
        root.put("temperature", lm.temperature());
        ArrayNode c = root.putArray("controlIds");
        for (int id : lm.controlIds()) c.add(id);
        DefinitionFiles.write(dir, root);
    }

    public static CausalLm read(Path dir) throws IOException {
        Path file = dir.resolve(DefinitionFiles.FILE);
        JsonNode root = DefinitionFiles.read(dir, CausalLm.KIND);
        String gen = root.path("generator").asText("");
        if (gen.isEmpty()) throw new BadInputException(file + ": missing \"generator\"");
        int[] ids = ints(file, root, "vocabIds");
        int[] controls = ints(file, root, "controlIds");
        if (!root.path("length").canConvertToInt()) throw new BadInputException(file + ": \"length\" must be an integer");
        if (!root.path("temperature").isNumber()) throw new BadInputException(file + ": \"temperature\" must be a number");
        Set<Integer> distinct = new HashSet<>();
        for (int id : ids) if (!distinct.add(id)) throw new BadInputException(file + ": vocabIds lists " + id + " twice");
        int length = root.path("length").asInt();
        double temperature = root.path("temperature").asDouble();
        if (gen.equals(RANDOM)) {
            RandomOpt.Seeded r = readRandom(file, root.path(RANDOM));
            RandomOpt.Generated g = RandomOpt.generate(r.shape(), r.seed());
            return build(RandomOpt.model(g), null, r, g.vocab(), ids, length, temperature, controls);
        }
        Path generator = Path.of(gen);
        JsonNode sha = root.path("sha256");
        for (String f : List.of(OptConfig.FILE, OptModel.WEIGHTS)) {
            Path p = generator.resolve(f);
            if (!Files.isRegularFile(p)) throw new BadInputException(file + ": generator file " + p + " is missing");
            String want = sha.path(f).asText("");
            if (!want.isEmpty() && !want.equals(Checksums.sha256(p))) {
                throw new BadInputException(file + ": generator file " + p + " changed since the language was written (sha256 differs)");
            }
        }
        return build(generator, ids, length, temperature, controls);
    }

    /** The {@code "random"} object of a definition: seed and shape (see {@link #write}). */
    private static RandomOpt.Seeded readRandom(Path file, JsonNode r) {
        if (!r.isObject()) throw new BadInputException(file + ": generator random needs the object \"random\" (seed and shape)");
        if (!r.path("seed").isIntegralNumber()) throw new BadInputException(file + ": random.seed must be an integer");
        String[] keys = {"words", "controls", "layers", "hidden", "heads", "ffn", "maxPositions"};
        int[] v = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            JsonNode n = r.path(keys[i]);
            if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new BadInputException(file + ": random." + keys[i] + " must be an integer");
            v[i] = n.asInt();
        }
        if (!r.path("logitStd").isNumber()) throw new BadInputException(file + ": random.logitStd must be a number");
        if (!r.path("tied").isBoolean()) throw new BadInputException(file + ": random.tied must be true or false");
        try {
            return new RandomOpt.Seeded(new RandomOpt.Shape(v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                r.path("logitStd").asDouble(), r.path("tied").asBoolean()), r.path("seed").asLong());
        } catch (BadInputException e) {
            throw new BadInputException(file + ": " + e.getMessage());
        }
    }

    private static int[] ints(Path file, JsonNode root, String key) {
        JsonNode a = root.get(key);
        if (a == null || !a.isArray()) throw new BadInputException(file + ": missing array \"" + key + "\"");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).canConvertToInt() || !a.get(i).isIntegralNumber()) {
                throw new BadInputException(file + ": " + key + " entry " + i + " is not an integer");
            }
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
