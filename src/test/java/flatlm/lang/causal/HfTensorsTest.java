package flatlm.lang.causal;

import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfTensorsTest {
    /** A file as Hugging Face writes it: header order differs from data order, an I64 buffer, F16 and BF16. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    @Test
    void readsFloatTensorsInHeaderOrderAndSkipsIntegerBuffers(@TempDir Path tmp) throws Exception {
        ByteBuffer d = ByteBuffer.allocate(8 + 2 + 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        d.putLong(7L);                       // ids: I64 [1] at 0..8
        d.putShort((short) 0x3C00);          // half 1.0 at 8..10
        d.putShort((short) 0xC000);          // bf16 -2.0 at 10..12
        d.putFloat(0.5f).putFloat(-0.25f);   // f32 [2] at 12..20
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
            + "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
            + "\"h\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[8,10]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[10,12]},\"__metadata__\":{\"format\":\"pt\"}}";
        Path f = tmp.resolve("model.safetensors");
        Files.write(f, file(header, d.array()));
        Map<String, HfTensors.Tensor> t = HfTensors.read(f);
        assertEquals(List.of("w", "h", "b"), List.copyOf(t.keySet()));
        assertArrayEquals(new double[] {0.5, -0.25}, t.get("w").values());
        assertArrayEquals(new double[] {1.0}, t.get("h").values());
        assertArrayEquals(new double[] {-2.0}, t.get("b").values());
        assertArrayEquals(new long[] {1}, t.get("b").shape());
    }

    @Test
    void aTruncatedFileIsAOneLineErrorNamingIt(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("model.safetensors");
        Files.write(f, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[4]));
        BadInputException e = assertThrows(BadInputException.class, () -> HfTensors.read(f));
        assertTrue(e.getMessage().startsWith(f + ": corrupt safetensors file: truncated"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
