package flatlm.util;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.AccessPattern;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

/**
 * Config files (YAML or JSON) bound to plain classes with Jackson, with one-line errors that
 * name the file and the key: unknown keys, wrong types, malformed syntax. Values can be
 * overridden by dotted keys ({@code optimizer.lr=3e-3}), which is how every config key is
 * also a command-line flag.
 *
 * <p>Nothing is silently changed: a duplicate key is an error, and an integer key takes a
 * whole number only ({@code steps: 1e5} is 100000, {@code steps: 20.5} an error, never 20).
 */
public final class Configs {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
        .registerModule(wholeNumbers())
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(SerializationFeature.INDENT_OUTPUT);

    private static final ObjectMapper LINE = new ObjectMapper();

    private Configs() {}

    /** Reads a YAML or JSON file (JSON is YAML) into a tree; empty file = empty object. */
    public static ObjectNode readTree(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new BadInputException(file + " is a directory, not a config file");
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": no such config file");
        JsonNode node;
        try {
            node = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw BadInputException.at(file, line, "malformed config: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (node == null || node.isMissingNode() || node.isNull()) return YAML.createObjectNode();
        if (!node.isObject()) throw new BadInputException(file + ": a config must be a mapping of keys to values");
        String overflow = overflowing(node, "");
        if (overflow != null) throw new BadInputException(file + ": key '" + overflow + "' " + OVERFLOW);
        return (ObjectNode) node;
    }

    private static final String OVERFLOW = "is out of the range of a number (|x| < 1.8e308)";

    /** The dotted key of a number too large for a double (YAML has no infinite number: it is an overflow), or null. */
    private static String overflowing(JsonNode node, String at) {
        if (node.isNumber()) return Double.isInfinite(node.doubleValue()) ? at : null;
        for (var it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            String found = overflowing(e.getValue(), at.isEmpty() ? e.getKey() : at + "." + e.getKey());
            if (found != null) return found;
        }
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            String found = overflowing(node.get(i), at + "[" + i + "]");
            if (found != null) return found;
        }
        return null;
    }

    /**
     * Applies {@code key=value} overrides with dotted keys; kebab-case segments become camelCase
     * ({@code batch-size} → {@code batchSize}). Values are parsed as YAML scalars.
     */
    public static void override(ObjectNode root, Map<String, String> overrides) {
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String[] path = e.getKey().split("\\.");
            ObjectNode node = root;
            for (int i = 0; i < path.length - 1; i++) {
                String k = camel(path[i]);
                JsonNode child = node.get(k);
                if (child == null || !child.isObject()) child = node.putObject(k);
                node = (ObjectNode) child;
            }
            JsonNode value = scalar(e.getValue());
            if (overflowing(value, "") != null)
                throw new BadInputException("key '" + e.getKey() + "': " + e.getValue() + " " + OVERFLOW);
            node.set(camel(path[path.length - 1]), value);
        }
    }

    /** Binds a tree to {@code type}; {@code source} names the origin in error messages. */
    public static <T> T bind(JsonNode tree, Class<T> type, String source) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new BadInputException(source + ": unknown key '" + path(e) + "' (known here: " + known + ")");
        } catch (InvalidFormatException e) {
            if (e.getValue() instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                String target = e.getTargetType().getSimpleName();
                boolean isInt = target.equals("int") || target.equals("Integer");
                throw new BadInputException(source + ": key '" + path(e) + "' is out of the range of " + target + " ("
                    + (isInt ? Integer.MIN_VALUE + " … " + Integer.MAX_VALUE : Long.MIN_VALUE + " … " + Long.MAX_VALUE) + "), got " + n);
            }
            if (e.getValue() instanceof Number) {
                throw new BadInputException(source + ": key '" + path(e) + "' must be a whole number (" + e.getTargetType().getSimpleName()
                    + "), got " + e.getValue());
            }
            throw new BadInputException(source + ": key '" + path(e) + "' has a value of the wrong type: '"
                + e.getValue() + "' (expected " + e.getTargetType().getSimpleName() + ")");
        } catch (MismatchedInputException e) {
            throw new BadInputException(source + ": key '" + path(e) + "' has a value of the wrong type or shape");
        } catch (JsonProcessingException e) {
            throw new BadInputException(source + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    /** The YAML text of a config object (what runs store as {@code config.yaml}). */
    public static String toYaml(Object config) {
        return write(YAML, config);
    }

    /** Compact one-line JSON (for JSONL files, --json output and the model configs of checkpoints). */
    public static String toJsonLine(Object value) {
        return write(LINE, value);
    }

    public static String toJson(Object value) {
        return write(JSON, value);
    }

    private static String write(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Binds compact JSON (as {@link #toJsonLine} writes it) to {@code type}; a malformed text is
     * a one-line error "bad WHAT JSON: ...", a validation error of {@code type} is passed on as is.
     */
    public static <T> T fromJsonLine(String json, Class<T> type, String what) {
        try {
            return LINE.readValue(json, type);
        } catch (BadInputException e) {
            throw e;
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof BadInputException b) throw b;
            throw new BadInputException("bad " + what + " JSON: " + e.getOriginalMessage());
        }
    }

    /** Parses JSON text (e.g. metadata) into a tree. */
    public static JsonNode parseJson(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadInputException("malformed JSON: " + e.getOriginalMessage());
        }
    }

    public static JsonNode toTree(Object config) {
        return YAML.valueToTree(config);
    }

    private static String path(JsonMappingException e) {
        List<JsonMappingException.Reference> refs = e.getPath();
        return refs.stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
            .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static JsonNode scalar(String text) {
        try {
            JsonNode n = YAML.readTree(text);
            return n == null || n.isMissingNode() ? TextNode.valueOf(text) : n;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text);
        }
    }

    /**
     * int and long keys that accept a float only when it is a whole number ({@code 1e5},
     * {@code 20.0}); Jackson's default would truncate {@code 20.5} to 20 without a word.
     */
    private static SimpleModule wholeNumbers() {
        SimpleModule m = new SimpleModule("whole-numbers");
        m.addDeserializer(Integer.TYPE, new Whole<>(Integer.TYPE, 0x1p31, v -> (int) v));
        m.addDeserializer(Integer.class, new Whole<>(Integer.class, 0x1p31, v -> (int) v));
        m.addDeserializer(Long.TYPE, new Whole<>(Long.TYPE, 0x1p63, v -> v));
        m.addDeserializer(Long.class, new Whole<>(Long.class, 0x1p63, v -> v));
        return m;
    }

    /** Jackson's own deserializer of an integer type, except that a float token must be a whole number in [-bound, bound). */
    private static final class Whole<T> extends StdDeserializer<T> {
        private final JsonDeserializer<T> standard;
        private final double bound;
        private final LongFunction<T> box;

        @SuppressWarnings("unchecked")
        Whole(Class<T> type, double bound, LongFunction<T> box) {
            super(type);
            this.standard = (JsonDeserializer<T>) NumberDeserializers.find(type, type.getName());
            this.bound = bound;
            this.box = box;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_NUMBER_FLOAT)) return standard.deserialize(p, ctxt);
            double d = p.getDoubleValue();
            if (d != Math.rint(d) || d < -bound || d >= bound) {
                throw InvalidFormatException.from(p, "not a whole number in range", p.getNumberValue(), handledType());
            }
            return box.apply((long) d);
        }

        @Override
        public T getNullValue(DeserializationContext ctxt) throws JsonMappingException {
            return standard.getNullValue(ctxt); // a primitive still refuses null
        }

        @Override
        public AccessPattern getNullAccessPattern() {
            return standard.getNullAccessPattern();
        }
    }

    static String camel(String key) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : key.toCharArray()) {
            if (c == '-' || c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }
}
