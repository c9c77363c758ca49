package flatlm.lang.causal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DefinitionFiles;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The floating-point tensors of a Hugging Face {@code model.safetensors}, read into doubles in
 * pure Java (the {@code lang} package has no libtorch; {@code flatlm.model.SafeTensors} is the
 * libtorch reader of MLM checkpoints). Layout: 8-byte little-endian header length N, N bytes of
 * JSON {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}}}, then the data.
 * Dtypes F64, F32, F16 and BF16 are read; {@link #write} writes F64 or F32.
 */
public final class HfTensors {
    /** One tensor: its shape and its values (row-major) as doubles. */
    public record Tensor(long[] shape, double[] values) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private HfTensors() {}

    /** Every floating-point tensor of {@code file} by name, in header order; BadInputException naming the file. */
    public static Map<String, Tensor> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw corrupt(file, "truncated (" + size + " bytes)");
            ByteBuffer lb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lb, 0);
            long n = lb.flip().getLong();
            if (n <= 0 || n > Math.min(size - 8, 100L << 20)) throw corrupt(file, "bad header length " + n);
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                throw corrupt(file, "header is not valid JSON");
            }
            if (root == null || !root.isObject()) throw corrupt(file, "header is not a JSON object");
            long dataStart = 8 + n;
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) continue;
                Tensor t = tensor(file, ch, size, dataStart, f.getKey(), f.getValue());
                if (t != null) out.put(f.getKey(), t);
            }
            return out;
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The tensor of one header entry, or null for a non-float dtype (integer buffers are skipped). */
    private static Tensor tensor(Path file, FileChannel ch, long size, long dataStart, String name, JsonNode v)
            throws IOException {
        String dtype = v.path("dtype").asText("");
        int bytes = switch (dtype) {
            case "F64" -> 8;
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> 0;
        };
        if (bytes == 0) return null;
        JsonNode sh = v.get("shape");
        JsonNode off = v.get("data_offsets");
        if (sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2) {
            throw corrupt(file, "tensor '" + name + "' has no shape or data_offsets");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = sh.get(i).asLong(-1);
            if (shape[i] < 0) throw corrupt(file, "tensor '" + name + "' has a bad shape");
            numel = Math.multiplyExact(numel, shape[i]);
        }
        long begin = off.get(0).asLong(-1), end = off.get(1).asLong(-1);
        if (begin < 0 || end - begin != numel * bytes || dataStart + end > size) {
            throw corrupt(file, "tensor '" + name + "' has data_offsets " + off + " that do not fit its shape "
                + Arrays.toString(shape) + " of " + dtype + " or the file");
        }
        if (numel > Integer.MAX_VALUE) throw corrupt(file, "tensor '" + name + "' is too large");
        ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, dataStart + begin);
        buf.flip();
        double[] values = new double[(int) numel];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (dtype) {
                case "F64" -> buf.getDouble();
                case "F32" -> buf.getFloat();
                case "F16" -> half(buf.getShort());
                default -> Float.intBitsToFloat((buf.getShort() & 0xffff) << 16); // BF16
            };
        }
        return new Tensor(shape, values);
    }

    /** Writes {@code tensors} as F64 ({@code doubles}) or F32, atomically (tests, {@code flatlm lm random}). */
    public static void write(Path file, Map<String, Tensor> tensors, boolean doubles) throws IOException {
        int bytes = doubles ? 8 : 4;
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode o = header.putObject(e.getKey());
            o.put("dtype", doubles ? "F64" : "F32");
            ArrayNode shape = o.putArray("shape");
            for (long s : e.getValue().shape()) shape.add(s);
            long n = (long) e.getValue().values().length * bytes;
            o.putArray("data_offsets").add(offset).add(offset + n);
            offset += n;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) buf.put((byte) ' ');
        for (Tensor t : tensors.values()) {
            for (double x : t.values()) {
                if (doubles) buf.putDouble(x);
                else buf.putFloat((float) x);
            }
        }
        DefinitionFiles.writeAtomically(file.toAbsolutePath().getParent(), file.getFileName().toString(), buf.array());
    }

    /** IEEE 754 binary16 → double: sign, 5-bit exponent (bias 15), 10-bit mantissa; subnormals, inf, NaN. */
    static double half(short bits) {
        int h = bits & 0xffff;
        int sign = (h >>> 15) == 0 ? 1 : -1, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0) return sign * mant * 0x1p-24;
        if (exp == 31) return mant == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        return sign * (1 + mant / 1024.0) * Math.scalb(1.0, exp - 15);
    }

    private static BadInputException corrupt(Path file, String what) {
        return new BadInputException(file + ": corrupt safetensors file: " + what);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new IOException("unexpected end of file");
            p += r;
        }
    }
}
