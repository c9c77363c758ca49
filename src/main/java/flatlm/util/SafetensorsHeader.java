package flatlm.util;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;

/**
 * The header of a safetensors file (https://github.com/huggingface/safetensors), parsed and
 * validated in pure Java, shared by the libtorch checkpoint reader ({@code model.SafeTensors}) and
 * the double-precision reader of Hugging Face generators ({@code lang.causal.HfTensors}). Layout:
 * an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * {@code {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}}
 * (padded with spaces), then the tensor data back to back. Validated: the length, the JSON (no
 * duplicate keys), every entry's dtype, shape and offsets (end − begin = numel · dtype size), the
 * tensors contiguous from 0, and the data filling the rest of the file exactly.
 */
public final class SafetensorsHeader {
    private static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** One tensor entry; {@code begin}, {@code end} relative to the data start. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /** A parsed header: entries in data order (and in the JSON's order), metadata, and where the data starts. */
    public record Header(List<Entry> entries, List<Entry> declared, Map<String, String> metadata, long dataStart,
                         long dataLength) {}

    private SafetensorsHeader() {}

    /**
     * Parses the header of {@code file} (open as {@code ch}). {@code dtypeBytes}: the size of a
     * dtype, negative for one the caller does not know; {@code corrupt}: the caller's one-line
     * error for (file, what is wrong).
     */
    public static Header read(Path file, FileChannel ch, ToIntFunction<String> dtypeBytes,
                              BiFunction<Path, String, BadInputException> corrupt) throws IOException {
        long size = ch.size();
        if (size < 8) throw corrupt.apply(file, "truncated (" + size + " bytes, no header)");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n <= 0 || n > MAX_HEADER) throw corrupt.apply(file, "bad header length " + n);
        if (n > size - 8) throw corrupt.apply(file, "truncated (header of " + n + " bytes, file of " + size + " bytes)");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        byte[] hbytes = hb.array();
        if (hbytes[0] != '{') throw corrupt.apply(file, "header does not start with '{'");
        JsonNode root;
        try {
            root = JSON.readTree(new String(hbytes, StandardCharsets.UTF_8).stripTrailing());
        } catch (JsonProcessingException e) {
            throw corrupt.apply(file, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw corrupt.apply(file, "header is not a JSON object");
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw corrupt.apply(file, "__metadata__ is not an object");
                for (Iterator<Map.Entry<String, JsonNode>> mi = v.fields(); mi.hasNext(); ) {
                    Map.Entry<String, JsonNode> me = mi.next();
                    if (!me.getValue().isTextual())
                        throw corrupt.apply(file, "metadata value of '" + me.getKey() + "' is not a string");
                    meta.put(me.getKey(), me.getValue().asText());
                }
                continue;
            }
            entries.add(entry(file, name, v, dtypeBytes, corrupt));
        }
        List<Entry> declared = List.copyOf(entries);
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        for (Entry e : entries) {
            if (e.begin() != pos) throw corrupt.apply(file, "tensor '" + e.name() + "' starts at " + e.begin() + ", expected " + pos);
            pos = e.end();
        }
        long dataStart = 8 + n;
        long dataLength = size - dataStart;
        if (pos > dataLength)
            throw corrupt.apply(file, "truncated (tensor data needs " + pos + " bytes, file has " + dataLength + ")");
        if (pos < dataLength) throw corrupt.apply(file, (dataLength - pos) + " unexpected bytes after the tensor data");
        return new Header(entries, declared, meta, dataStart, dataLength);
    }

    private static Entry entry(Path file, String name, JsonNode v, ToIntFunction<String> dtypeBytes,
                               BiFunction<Path, String, BadInputException> corrupt) {
        if (!v.isObject()) throw corrupt.apply(file, "entry '" + name + "' is not an object");
        JsonNode dt = v.get("dtype");
        JsonNode sh = v.get("shape");
        JsonNode off = v.get("data_offsets");
        if (dt == null || !dt.isTextual() || dtypeBytes.applyAsInt(dt.asText()) < 0)
            throw corrupt.apply(file, "tensor '" + name + "' has a missing or unknown dtype");
        if (sh == null || !sh.isArray()) throw corrupt.apply(file, "tensor '" + name + "' has no shape");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber())
            throw corrupt.apply(file, "tensor '" + name + "' has bad data_offsets");
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = sh.get(i);
            if (!s.isIntegralNumber() || s.asLong() < 0) throw corrupt.apply(file, "tensor '" + name + "' has a bad shape");
            shape[i] = s.asLong();
            numel = Math.multiplyExact(numel, shape[i]);
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) throw corrupt.apply(file, "tensor '" + name + "' has bad data_offsets");
        long bytes = dtypeBytes.applyAsInt(dt.asText());
        if (end - begin != numel * bytes)
            throw corrupt.apply(file, "tensor '" + name + "': data_offsets cover " + (end - begin)
                + " bytes but shape " + Arrays.toString(shape) + " of " + dt.asText() + " needs " + numel * bytes);
        return new Entry(name, dt.asText(), shape, begin, end);
    }

    /** Reads {@code b.remaining()} bytes at {@code position}; IOException at the end of the file. */
    public static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new IOException("unexpected end of file");
            p += r;
        }
    }
}
