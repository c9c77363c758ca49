package flatlm.data;

/**
 * Moved to {@link flatlm.util.Checksums} (so that {@code lang} can use it too); this name stays
 * only until {@code experiment.Provenance} imports the new one.
 */
@Deprecated
public final class Checksums extends flatlm.util.Checksums {
    private Checksums() {}
}
