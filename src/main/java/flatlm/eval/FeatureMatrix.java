package flatlm.eval;

/**
 * A dense row-major matrix of features: {@code rows} examples of {@code cols} features each,
 * {@code data[r * cols + c]}. Plain Java doubles, so it can be built without libtorch (the
 * lookup table) and compared exactly in tests.
 */
public record FeatureMatrix(double[] data, int rows, int cols) {
    public FeatureMatrix {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        if ((long) rows * cols != data.length)
            throw new IllegalArgumentException("data of length " + data.length + " is not " + rows + "x" + cols);
    }

    public static FeatureMatrix zeros(int rows, int cols) {
        return new FeatureMatrix(new double[Math.multiplyExact(rows, cols)], rows, cols);
    }

    public double get(int r, int c) {
        return data[r * cols + c];
    }

    /** The first {@code n} rows (a copy). */
    public FeatureMatrix firstRows(int n) {
        if (n < 0 || n > rows) throw new IllegalArgumentException("first " + n + " of " + rows + " rows");
        return new FeatureMatrix(java.util.Arrays.copyOf(data, Math.multiplyExact(n, cols)), n, cols);
    }

    /** A copy of row {@code r}. */
    public double[] row(int r) {
        double[] out = new double[cols];
        System.arraycopy(data, r * cols, out, 0, cols);
        return out;
    }
}
