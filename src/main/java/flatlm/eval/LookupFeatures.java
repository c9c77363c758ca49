package flatlm.eval;

import flatlm.lang.Language;

/** The old name of {@link LookupTable}, kept only until {@code experiment.Measurer} uses the new one. */
@Deprecated
public final class LookupFeatures extends LookupTable {
    public LookupFeatures(Language language, int threads, int position) {
        super(language, threads, position);
    }
}
