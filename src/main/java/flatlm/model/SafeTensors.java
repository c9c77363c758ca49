package flatlm.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The safetensors file format (https://github.com/huggingface/safetensors), written by hand:
 * an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * {@code {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}}}
 * (padded with spaces to a multiple of 8), then the raw little-endian tensor data, tensors
 * back to back in header order. Python: {@code safetensors.torch.load_file(path)}.
 *
 * <p>Writes are atomic (temporary file in the same directory, fsync, rename): a crash or a
 * full disk never leaves a half-written file under the final name. Reads validate the
 * whole layout and throw {@link BadInputException} with a one-line message on a truncated
 * or corrupt file; {@link #load(Path, MlmTransformer)} also checks names, shapes and dtypes
 * against the model.
 */
public final class SafeTensors {
    /** Metadata key holding the model config JSON. */
    public static final String CONFIG_KEY = "flatlm.config";
    /** Metadata key holding the model kind ("transformer", "lstm"). */
    public static final String KIND_KEY = "flatlm.model";
    private static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensors() {}

    /** Description of one tensor in a file. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /** A parsed header: entries in data order, metadata, and where the data starts. */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart, long dataLength) {}

    // ------------------------------------------------------------------ dtypes

    private static String dtypeName(torch.ScalarType t) {
        return switch (t) {
            case Float -> "F32";
            case Double -> "F64";
            case Half -> "F16";
            case BFloat16 -> "BF16";
            case Long -> "I64";
            case Int -> "I32";
            case Short -> "I16";
            case Char -> "I8";
            case Byte -> "U8";
            case Bool -> "BOOL";
            default -> throw new IllegalArgumentException("safetensors: unsupported dtype " + t);
        };
    }

    private static torch.ScalarType scalarType(String name) {
        return switch (name) {
            case "F32" -> torch.ScalarType.Float;
            case "F64" -> torch.ScalarType.Double;
            case "F16" -> torch.ScalarType.Half;
            case "BF16" -> torch.ScalarType.BFloat16;
            case "I64" -> torch.ScalarType.Long;
            case "I32" -> torch.ScalarType.Int;
            case "I16" -> torch.ScalarType.Short;
            case "I8" -> torch.ScalarType.Char;
            case "U8" -> torch.ScalarType.Byte;
            case "BOOL" -> torch.ScalarType.Bool;
            default -> null;
        };
    }

    private static int dtypeBytes(String name) {
        return switch (name) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    // ------------------------------------------------------------------ write

    /** Saves the model's named parameters with its config in the metadata (plus {@code extra}). */
    public static void save(Path file, MlmModel model, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(KIND_KEY, model.kind());
        meta.put(CONFIG_KEY, model.configJson());
        if (extra != null) meta.putAll(extra);
        write(file, model.namedParameters(), meta);
    }

    /**
     * Writes {@code tensors} (any device, any layout; stored as contiguous CPU data) with
     * string metadata, atomically. Throws {@link BadInputException} if the file cannot be written.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (tensors.containsKey("__metadata__")) throw new IllegalArgumentException("reserved tensor name __metadata__");
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ObjectNode header = JSON.createObjectNode();
            if (metadata != null && !metadata.isEmpty()) {
                ObjectNode m = header.putObject("__metadata__");
                new java.util.TreeMap<>(metadata).forEach(m::put); // sorted: the same metadata give the same bytes, whatever the map

            }
            List<Tensor> data = new ArrayList<>();
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue().detach().cpu().contiguous();
                String dt = dtypeName(Torch.scalarType(t));
                long nbytes = t.nbytes();
                ObjectNode o = header.putObject(e.getKey());
                o.put("dtype", dt);
                ArrayNode shape = o.putArray("shape");
                for (long s : Torch.shape(t)) shape.add(s);
                ArrayNode off = o.putArray("data_offsets");
                off.add(offset);
                off.add(offset + nbytes);
                offset += nbytes;
                data.add(t);
            }
            byte[] json = JSON.writeValueAsBytes(header);
            int padded = (json.length + 7) / 8 * 8;
            byte[] head = Arrays.copyOf(json, padded);
            Arrays.fill(head, json.length, padded, (byte) ' ');

            Path dir = file.toAbsolutePath().getParent();
            Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
                    len.flip();
                    writeFully(ch, len);
                    writeFully(ch, ByteBuffer.wrap(head));
                    for (Tensor t : data) {
                        long n = t.nbytes();
                        if (n == 0) continue;
                        if (n > Integer.MAX_VALUE) throw new IOException("tensor larger than 2 GiB");
                        ByteBuffer buf = new BytePointer(t.data_ptr()).capacity(n).asBuffer();
                        writeFully(ch, buf);
                    }
                    ch.force(true);
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
                throw new BadInputException("cannot write " + file + ": " + describe(e));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file or directory";
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    // ------------------------------------------------------------------ read

    /** Parses and validates the header of {@code file} (layout, dtypes, offsets, file size). */
    public static Header readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw new BadInputException("cannot read checkpoint " + file + ": " + describe(e));
        }
    }

    private static BadInputException corrupt(Path file, String what) {
        return new BadInputException("corrupt safetensors file " + file + ": " + what);
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) throw corrupt(file, "truncated (" + size + " bytes, no header)");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n <= 0 || n > MAX_HEADER) throw corrupt(file, "bad header length " + n);
        if (n > size - 8) throw corrupt(file, "truncated (header of " + n + " bytes, file of " + size + " bytes)");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        byte[] hbytes = hb.array();
        if (hbytes[0] != '{') throw corrupt(file, "header does not start with '{'");
        JsonNode root;
        try {
            root = JSON.readTree(new String(hbytes, StandardCharsets.UTF_8).stripTrailing());
        } catch (JsonProcessingException e) {
            throw corrupt(file, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw corrupt(file, "header is not a JSON object");
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw corrupt(file, "__metadata__ is not an object");
                for (Iterator<Map.Entry<String, JsonNode>> mi = v.fields(); mi.hasNext(); ) {
                    Map.Entry<String, JsonNode> me = mi.next();
                    if (!me.getValue().isTextual()) throw corrupt(file, "metadata value of '" + me.getKey() + "' is not a string");
                    meta.put(me.getKey(), me.getValue().asText());
                }
                continue;
            }
            if (!v.isObject()) throw corrupt(file, "entry '" + name + "' is not an object");
            JsonNode dt = v.get("dtype");
            JsonNode sh = v.get("shape");
            JsonNode off = v.get("data_offsets");
            if (dt == null || !dt.isTextual() || dtypeBytes(dt.asText()) < 0)
                throw corrupt(file, "tensor '" + name + "' has a missing or unknown dtype");
            if (sh == null || !sh.isArray()) throw corrupt(file, "tensor '" + name + "' has no shape");
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber())
                throw corrupt(file, "tensor '" + name + "' has bad data_offsets");
            long[] shape = new long[sh.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode s = sh.get(i);
                if (!s.isIntegralNumber() || s.asLong() < 0) throw corrupt(file, "tensor '" + name + "' has a bad shape");
                shape[i] = s.asLong();
                numel = Math.multiplyExact(numel, shape[i]);
            }
            long begin = off.get(0).asLong();
            long end = off.get(1).asLong();
            if (begin < 0 || end < begin) throw corrupt(file, "tensor '" + name + "' has bad data_offsets");
            if (end - begin != numel * dtypeBytes(dt.asText()))
                throw corrupt(file, "tensor '" + name + "': data_offsets cover " + (end - begin)
                    + " bytes but shape " + Arrays.toString(shape) + " of " + dt.asText() + " needs " + numel * dtypeBytes(dt.asText()));
            entries.add(new Entry(name, dt.asText(), shape, begin, end));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        for (Entry e : entries) {
            if (e.begin != pos) throw corrupt(file, "tensor '" + e.name + "' starts at " + e.begin + ", expected " + pos);
            pos = e.end;
        }
        long dataStart = 8 + n;
        long dataLength = size - dataStart;
        if (pos > dataLength)
            throw corrupt(file, "truncated (tensor data needs " + pos + " bytes, file has " + dataLength + ")");
        if (pos < dataLength) throw corrupt(file, (dataLength - pos) + " unexpected bytes after the tensor data");
        return new Header(entries, meta, dataStart, dataLength);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new IOException("unexpected end of file");
            p += r;
        }
    }

    /** The metadata of a file (e.g. {@link #CONFIG_KEY}). */
    public static Map<String, String> readMetadata(Path file) {
        return readHeader(file).metadata();
    }

    /**
     * Reads every tensor of {@code file} as CPU tensors (names in header order of the data).
     * The tensors are created outside any caller scope's control: they survive it and are
     * freed by the garbage collector.
     */
    public static LinkedHashMap<String, Tensor> read(Path file) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(file, ch);
            for (Entry e : h.entries()) {
                torch.ScalarType st = scalarType(e.dtype());
                Tensor t = torch.empty(e.shape(), new TensorOptions(st), new MemoryFormatOptional());
                long nbytes = e.end() - e.begin();
                if (nbytes > Integer.MAX_VALUE) throw corrupt(file, "tensor '" + e.name() + "' larger than 2 GiB");
                if (nbytes > 0) {
                    ByteBuffer buf = new BytePointer(t.data_ptr()).capacity(nbytes).asBuffer();
                    readFully(ch, buf, h.dataStart() + e.begin());
                }
                out.put(e.name(), Torch.keep(t));
            }
        } catch (IOException e) {
            throw new BadInputException("cannot read checkpoint " + file + ": " + describe(e));
        }
        return out;
    }

    /**
     * Loads the parameters of {@code model} from {@code file}: the names, shapes and dtypes must
     * match the model exactly and every value must be finite, else {@link BadInputException}
     * (nothing is modified then).
     */
    public static void load(Path file, MlmModel model) {
        Header h = readHeader(file);
        checkAgainst(file, h, model.namedParameters(), model.dtype());
        LinkedHashMap<String, Tensor> values = read(file);
        requireFinite(file, values);
        model.copyParametersFrom(values);
    }

    /**
     * Fails naming the first tensor that holds a NaN or an infinity: a model with such a weight
     * computes NaN losses, accuracies and traces, never an error of its own.
     */
    public static void requireFinite(Path file, Map<String, Tensor> tensors) {
        try (PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                long bad = t.numel() - torch.isfinite(t).count_nonzero().item_long();
                if (bad == 0) continue;
                long nan = torch.isnan(t).count_nonzero().item_long();
                String what = nan == bad ? "NaN" : nan == 0 ? "infinite" : "NaN or infinite";
                throw new BadInputException("checkpoint " + file + ": tensor " + e.getKey() + " has " + what + " values ("
                    + bad + " of " + t.numel() + "): a diverged or corrupt model");
            }
        }
    }

    /** Validates a header against expected parameters (names, shapes, dtype); one-line errors. */
    public static void checkAgainst(Path file, Header h, Map<String, Tensor> expected, ModelConfig.DType dtype) {
        Map<String, Entry> found = new LinkedHashMap<>();
        for (Entry e : h.entries()) found.put(e.name(), e);
        for (Map.Entry<String, Tensor> p : expected.entrySet()) {
            Entry e = found.get(p.getKey());
            if (e == null) throw new BadInputException("checkpoint " + file + " lacks parameter " + p.getKey());
            long[] want = Torch.shape(p.getValue());
            if (!Arrays.equals(want, e.shape()))
                throw new BadInputException("checkpoint " + file + ": parameter " + p.getKey() + " has shape "
                    + Arrays.toString(e.shape()) + ", the model expects " + Arrays.toString(want));
            if (!e.dtype().equals(dtype.safetensorsName()))
                throw new BadInputException("checkpoint " + file + ": parameter " + p.getKey() + " has dtype "
                    + e.dtype() + ", the model expects " + dtype.safetensorsName());
        }
        for (String name : found.keySet())
            if (!expected.containsKey(name))
                throw new BadInputException("checkpoint " + file + " has unexpected parameter " + name);
    }

    /** The transformer config stored in a checkpoint's metadata. */
    public static ModelConfig readConfig(Path file) {
        Map<String, String> meta = readMetadata(file);
        String kind = meta.getOrDefault(KIND_KEY, "transformer");
        if (!kind.equals("transformer")) throw new BadInputException("checkpoint " + file + " holds a " + kind + " model, not a transformer");
        return ModelConfig.fromJson(requireConfig(file, meta));
    }

    private static String requireConfig(Path file, Map<String, String> meta) {
        String json = meta.get(CONFIG_KEY);
        if (json == null) throw new BadInputException("checkpoint " + file + " has no " + CONFIG_KEY + " metadata");
        return json;
    }

    /** The transformer built from the config stored in {@code file}, with its parameters loaded. */
    public static MlmTransformer loadModel(Path file, String device) {
        MlmTransformer m = new MlmTransformer(readConfig(file), 0, device);
        load(file, m);
        return m;
    }

    /** A model of any kind (transformer or LSTM) built from the config stored in {@code file}, with its parameters loaded. */
    public static MlmModel loadAnyModel(Path file, String device) {
        Map<String, String> meta = readMetadata(file);
        String kind = meta.getOrDefault(KIND_KEY, "transformer");
        MlmModel m = switch (kind) {
            case "transformer" -> new MlmTransformer(ModelConfig.fromJson(requireConfig(file, meta)), 0, device);
            case "lstm" -> new MlmLstm(LstmConfig.fromJson(requireConfig(file, meta)), 0, device);
            default -> throw new BadInputException("checkpoint " + file + " holds an unknown model kind '" + kind + "'");
        };
        load(file, m);
        return m;
    }
}
