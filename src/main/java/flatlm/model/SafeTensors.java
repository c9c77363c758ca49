package flatlm.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.util.BadInputException;
import flatlm.util.SafetensorsHeader;
import flatlm.util.SafetensorsHeader.Entry;
import flatlm.util.SafetensorsHeader.Header;
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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensors() {}


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
                flatlm.util.Io.replace(tmp, file);
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
        return SafetensorsHeader.read(file, ch, SafeTensors::dtypeBytes, SafeTensors::corrupt);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        SafetensorsHeader.readFully(ch, b, position);
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
