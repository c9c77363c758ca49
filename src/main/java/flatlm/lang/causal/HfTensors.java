package flatlm.lang.causal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.DefinitionFiles;
import flatlm.util.BadInputException;
import flatlm.util.SafetensorsHeader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The floating-point tensors of a Hugging Face {@code model.safetensors}, read into doubles in
 * pure Java (the {@code lang} package has no libtorch; {@code flatlm.model.SafeTensors} is the
 * libtorch reader of MLM checkpoints). Layout: 8-byte little-endian header length N, N bytes of
 * JSON {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}}}, then the data; the header is
 * parsed and validated by {@link SafetensorsHeader}, shared with {@code flatlm.model.SafeTensors}.
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
            SafetensorsHeader.Header h = SafetensorsHeader.read(file, ch, HfTensors::dtypeBytes, HfTensors::corrupt);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : h.declared()) {
                Tensor t = tensor(file, ch, h.dataStart(), e);
                if (t != null) out.put(e.name(), t);
            }
            return out;
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The tensor of one header entry, or null for a non-float dtype (integer buffers are skipped). */
    private static Tensor tensor(Path file, FileChannel ch, long dataStart, SafetensorsHeader.Entry e) throws IOException {
        String dtype = e.dtype();
        if (!FLOATS.contains(dtype)) return null;
        long numel = (e.end() - e.begin()) / dtypeBytes(dtype);
        if (numel > Integer.MAX_VALUE) throw corrupt(file, "tensor '" + e.name() + "' is too large");
        ByteBuffer buf = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
        SafetensorsHeader.readFully(ch, buf, dataStart + e.begin());
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
        return new Tensor(e.shape(), values);
    }

    private static final Set<String> FLOATS = Set.of("F64", "F32", "F16", "BF16");

    /** Bytes per element of the safetensors dtypes; −1 for an unknown one. */
    private static int dtypeBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
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
}
