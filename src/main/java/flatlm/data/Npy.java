package flatlm.data;

import flatlm.util.BadInputException;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The NumPy {@code .npy} format (version 1.0) for little-endian int32 matrices, so a researcher
 * can {@code np.load} corpus shards. Rows are streamed: the header needs only the shape.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\((\\d+),\\s*(\\d+)\\)");

    private Npy() {}

    /** Writes the header of an int32 matrix of shape (rows, cols); the caller then writes rows. */
    public static void writeInt32Header(OutputStream out, long rows, int cols) throws IOException {
        String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = MAGIC.length + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        out.write(MAGIC);
        out.write(header.length() & 0xff);
        out.write((header.length() >> 8) & 0xff);
        out.write(header.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes one row of int32 values, little-endian. */
    public static void writeInt32Row(OutputStream out, int[] row, ByteBuffer scratch) throws IOException {
        scratch.clear();
        for (int v : row) scratch.putInt(v);
        out.write(scratch.array(), 0, scratch.position());
    }

    public static ByteBuffer rowBuffer(int cols) {
        return ByteBuffer.allocate(4 * cols).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads an int32 matrix written by this class (or NumPy): [rows][cols]. */
    public static int[][] readInt32(InputStream in, String name) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] magic = new byte[MAGIC.length];
        data.readFully(magic);
        for (int i = 0; i < 6; i++) {
            if (magic[i] != MAGIC[i]) throw new BadInputException(name + ": not a .npy file");
        }
        int len = data.readUnsignedByte() | (data.readUnsignedByte() << 8);
        byte[] header = new byte[len];
        data.readFully(header);
        String h = new String(header, StandardCharsets.US_ASCII);
        if (!h.contains("'<i4'") || h.contains("'fortran_order': True")) {
            throw new BadInputException(name + ": expected a C-order little-endian int32 array");
        }
        Matcher m = SHAPE.matcher(h);
        if (!m.find()) throw new BadInputException(name + ": expected a 2-d array");
        int rows = Integer.parseInt(m.group(1));
        int cols = Integer.parseInt(m.group(2));
        byte[] raw = new byte[4 * cols];
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int[][] out = new int[rows][cols];
        for (int r = 0; r < rows; r++) {
            data.readFully(raw);
            buf.clear();
            for (int c = 0; c < cols; c++) out[r][c] = buf.getInt();
        }
        return out;
    }
}
