package flatlm.data;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class NpyTest {
    @Test
    void roundTripAndAlignedHeader() throws Exception {
        int[][] m = {{1, -1, 3}, {Integer.MAX_VALUE, Integer.MIN_VALUE, 0}};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.writeInt32Header(out, m.length, 3);
        int headerBytes = out.size();
        ByteBuffer scratch = Npy.rowBuffer(3);
        for (int[] row : m) Npy.writeInt32Row(out, row, scratch);
        byte[] bytes = out.toByteArray();
        assertEquals(0, headerBytes % 64, "npy header must be 64-byte aligned");
        assertEquals(headerBytes + 4 * 6, bytes.length);
        assertEquals(1, bytes[headerBytes], "little-endian int32");
        int[][] back = Npy.readInt32(new ByteArrayInputStream(bytes), "m.npy");
        assertArrayEquals(m, back);
    }
}
