package flatlm.cli;

import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Options that choose a language (mixed into every command that needs one). */
public final class LanguageOptions {
    @Option(names = "--lang", paramLabel = "KIND", defaultValue = "pcfg",
        description = "Language kind: pcfg, hmm or dyck (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--language", paramLabel = "DIR",
        description = "A language directory written by 'flatlm lang generate' (overrides --lang).")
    Path languageDir;

    @Option(names = "--grammar", paramLabel = "FILE|authors|random", defaultValue = "authors",
        description = "PCFG rule file in the authors' format; 'authors' = the grammar released with the paper "
            + "(bundled), 'random' = a random grammar of the same shape from --language-seed (default: ${DEFAULT-VALUE}).")
    String grammar;

    @Option(names = "--renormalize", description = "PCFG: renormalise rules whose probabilities sum far from 1 instead of failing.")
    boolean renormalize;

    @Option(names = "--label-mode", paramLabel = "inside|posterior", defaultValue = "inside",
        description = "PCFG tasks B, C: most likely nonterminal of the span by its inside score (authors) "
            + "or by its posterior inside*outside (default: ${DEFAULT-VALUE}).")
    String labelMode;

    @Option(names = "--states", defaultValue = "100", description = "HMM: hidden states (default: ${DEFAULT-VALUE}).")
    int states;

    @Option(names = "--words", defaultValue = "200", description = "HMM: vocabulary size (default: ${DEFAULT-VALUE}).")
    int words;

    @Option(names = "--blocks", defaultValue = "10",
        description = "HMM: diagonal blocks of states and words (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--length", defaultValue = "16", description = "HMM: sentence length (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--alpha", defaultValue = "0.2",
        description = "HMM: Dirichlet concentration of each row within its block; smaller = more peaked (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--leakage", defaultValue = "0",
        description = "HMM: probability mass each row spreads outside its block (default: ${DEFAULT-VALUE}).")
    double leakage;

    @Option(names = "--n", defaultValue = "8", description = "Dyck: sentence length, even (default: ${DEFAULT-VALUE}).")
    int dyckLength;

    @Option(names = "--support", defaultValue = "equal-count",
        description = "Dyck: equal-count (as many '(' as ')', any order: the paper's Section 6) or dyck "
            + "(proper Dyck words) (default: ${DEFAULT-VALUE}).")
    String dyckSupport;

    @Option(names = "--language-seed", defaultValue = "1",
        description = "Seed of the random grammar or HMM matrices (default: ${DEFAULT-VALUE}).")
    long languageSeed;

    /** The chosen language as a spec (what a config file's {@code language:} section holds). */
    public LanguageSpec spec() {
        LanguageSpec spec = new LanguageSpec();
        spec.kind = kind;
        spec.dir = languageDir == null ? null : languageDir.toString();
        spec.grammar = grammar;
        spec.renormalize = renormalize;
        spec.labelMode = labelMode;
        spec.states = states;
        spec.words = words;
        spec.blocks = blocks;
        spec.length = length;
        spec.alpha = alpha;
        spec.leakage = leakage;
        spec.n = dyckLength;
        spec.support = dyckSupport;
        spec.seed = languageSeed;
        return spec;
    }

    /** Builds the chosen language. */
    public Language build() throws IOException {
        return spec().build();
    }
}
