package flatlm.lang;

import flatlm.lang.dyck.Dyck;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.pcfg.Pcfg;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Which language to use, as written in a config file ({@code language:} section) or built from
 * command-line flags. Fields not used by the chosen kind are ignored.
 */
public final class LanguageSpec {
    /** pcfg, hmm or dyck (ignored when {@link #dir} is set). */
    public String kind = "pcfg";
    /** A language directory written by {@code flatlm lang generate}; overrides everything else. */
    public String dir;
    /** PCFG: "authors" (bundled), "random" (from {@link #seed}) or a rule-file path. */
    public String grammar = "authors";
    /** PCFG: renormalise rules whose probabilities sum far from 1 instead of failing. */
    public boolean renormalize;
    /** PCFG tasks B, C: "inside" (authors) or "posterior". */
    public String labelMode = "inside";
    /** HMM construction (see {@link Hmm.Config}). */
    public int states = 100;
    public int words = 200;
    public int blocks = 10;
    public int length = 16;
    public double alpha = 0.2;
    public double leakage = 0.0;
    /** Dyck: sentence length (even). */
    public int n = 8;
    /** Dyck: "equal-count" (the paper's Section 6: as many "(" as ")", any order) or "dyck" (proper Dyck words). */
    public String support = "equal-count";
    /** Seed of the random grammar or HMM matrices. */
    public long seed = 1;

    public Language build() throws IOException {
        if (dir != null) return Languages.load(Path.of(dir));
        return switch (kind) {
            case "pcfg" -> pcfg().withLabelMode(parseLabelMode());
            case "hmm" -> Hmm.random(new Hmm.Config(states, words, blocks, length, alpha, leakage), seed);
            case "dyck" -> new Dyck(n, Dyck.Support.parse(support));
            default -> throw new BadInputException("language kind: unknown language '" + kind
                + "' (expected pcfg, hmm or dyck)");
        };
    }

    private Pcfg pcfg() throws IOException {
        return switch (grammar) {
            case "authors" -> Pcfg.authors();
            case "random" -> Pcfg.random(seed);
            default -> Pcfg.load(Path.of(grammar), renormalize);
        };
    }

    private Pcfg.LabelMode parseLabelMode() {
        return switch (labelMode) {
            case "inside" -> Pcfg.LabelMode.INSIDE;
            case "posterior" -> Pcfg.LabelMode.POSTERIOR;
            default -> throw new BadInputException("label mode: expected inside or posterior, got '" + labelMode + "'");
        };
    }
}
