package flatlm.cli;

import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Options that choose a language (mixed into every command that needs one). */
public final class LanguageOptions {
    @Setting("language.kind")
    @Option(names = "--lang", paramLabel = "KIND",
        description = "Language kind: pcfg, hmm, dyck or causal-lm (sentences of a causal LM, --generator) "
            + "(default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--language", paramLabel = "DIR",
        description = "A language directory written by 'flatlm lang generate' (overrides --lang).")
    Path languageDir;

    @Setting("language.grammar")
    @Option(names = "--grammar", paramLabel = "FILE|authors|random",
        description = "PCFG rule file in the authors' format; 'authors' = the grammar released with the paper "
            + "(bundled), 'random' = a random grammar of the same shape from --language-seed, or of another shape "
            + "with the --pcfg-* flags (default: ${DEFAULT-VALUE}).")
    String grammar;

    @Option(names = "--pcfg-roots", paramLabel = "N",
        description = "PCFG, --grammar random only: root rules S -> S_r, i.e. the classes of task pcfg:A (default: the authors' 9).")
    Integer pcfgRoots;

    @Option(names = "--pcfg-levels", paramLabel = "N",
        description = "PCFG, --grammar random only: levels of nonterminals; sentences have at most 2^N words, "
            + "and the tasks need at least 5, so N >= 3 (default: the authors' 4, sentences up to 16 words).")
    Integer pcfgLevels;

    @Option(names = "--pcfg-per-level", paramLabel = "N",
        description = "PCFG, --grammar random only: nonterminals per level (default: the authors' 10).")
    Integer pcfgPerLevel;

    @Option(names = "--pcfg-binary-draws", paramLabel = "N",
        description = "PCFG, --grammar random only: binary rules drawn, with replacement, for each nonterminal above "
            + "the last level (default: the authors' 20, about 18 distinct).")
    Integer pcfgBinaryDraws;

    @Option(names = "--pcfg-words", paramLabel = "N",
        description = "PCFG, --grammar random only: vocabulary size (default: the authors' 200).")
    Integer pcfgWords;

    @Option(names = "--pcfg-word-draws", paramLabel = "N",
        description = "PCFG, --grammar random only: words drawn, with replacement, for each last-level nonterminal "
            + "(default: the authors' 100, about 80 distinct).")
    Integer pcfgWordDraws;

    @Option(names = "--renormalize", description = "PCFG: renormalise rules whose probabilities sum far from 1 instead of failing.")
    boolean renormalize;

    @Setting("language.labelMode")
    @Option(names = "--label-mode", paramLabel = "inside|posterior",
        description = "PCFG tasks B, C: most likely nonterminal of the span by its inside score (authors) "
            + "or by its posterior inside*outside (default: ${DEFAULT-VALUE}).")
    String labelMode;

    @Setting("language.states")
    @Option(names = "--states", description = "HMM: hidden states (default: ${DEFAULT-VALUE}).")
    int states;

    @Setting("language.words")
    @Option(names = "--words",
        description = "HMM, causal-lm --generator random: vocabulary size (default: ${DEFAULT-VALUE}).")
    int words;

    @Setting("language.blocks")
    @Option(names = "--blocks",
        description = "HMM: diagonal blocks of states and words (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Setting("language.length")
    @Option(names = "--length",
        description = "HMM, causal-lm: sentence length (default: ${DEFAULT-VALUE}; the paper's OPT language: 24).")
    int length;

    @Setting("language.alpha")
    @Option(names = "--alpha",
        description = "HMM: Dirichlet concentration of each row within its block; smaller = more peaked (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Setting("language.leakage")
    @Option(names = "--leakage",
        description = "HMM: probability mass each row spreads outside its block (default: ${DEFAULT-VALUE}).")
    double leakage;

    @Option(names = "--transition-alpha", paramLabel = "ALPHA",
        description = "HMM: Dirichlet concentration of the transition rows only; small values make the hidden "
            + "dynamics nearly deterministic (default: same as --alpha).")
    Double transitionAlpha;

    @Option(names = "--emission-alpha", paramLabel = "ALPHA",
        description = "HMM: Dirichlet concentration of the emission rows only; large values make words say little "
            + "about the state (default: same as --alpha).")
    Double emissionAlpha;

    @Option(names = "--permutations", paramLabel = "P",
        description = "HMM: near-permutation transitions: each block's transition matrix is a mixture of P random "
            + "permutations with weights softmax(g/T), g standard normal; needs --temperature (default: off, "
            + "Dirichlet rows of --transition-alpha).")
    Integer permutations;

    @Option(names = "--temperature", paramLabel = "T",
        description = "HMM, with --permutations: softmax temperature of the permutation weights; small = nearly one "
            + "permutation (deterministic dynamics), large = the uniform average of the P permutations. "
            + "causal-lm: sampling temperature, q ∝ exp(logits/T) over the words (default 1).")
    Double temperature;

    @Option(names = "--generator", paramLabel = "DIR",
        description = "causal-lm: the generator, a Hugging Face OPT directory (config.json, model.safetensors, "
            + "optional vocab.json), e.g. facebook/opt-125m on disk or one written by 'flatlm lm random'; or 'random': "
            + "the generator 'flatlm lm random' writes, built in memory from --words, --language-seed and the --lm-* "
            + "flags (nothing on disk; a directory named random: ./random).")
    Path generator;

    @Option(names = "--lm-controls", paramLabel = "K",
        description = "causal-lm, --generator random: control tokens <c0>.. after the words; without --control-ids "
            + "all K are the hidden class prefix of task causal-lm:class (default: 0).")
    Integer lmControls;

    @Option(names = "--lm-layers", paramLabel = "N", description = "causal-lm, --generator random: decoder layers (default: "
        + flatlm.lang.causal.RandomOpt.DEFAULT_LAYERS + ").")
    Integer lmLayers;

    @Option(names = "--lm-hidden", paramLabel = "D", description = "causal-lm, --generator random: hidden size d (default: "
        + flatlm.lang.causal.RandomOpt.DEFAULT_HIDDEN + ").")
    Integer lmHidden;

    @Option(names = "--lm-heads", paramLabel = "H", description = "causal-lm, --generator random: attention heads (default: "
        + flatlm.lang.causal.RandomOpt.DEFAULT_HEADS + ").")
    Integer lmHeads;

    @Option(names = "--lm-ffn", paramLabel = "F", description = "causal-lm, --generator random: MLP width (default: "
        + flatlm.lang.causal.RandomOpt.DEFAULT_FFN + ").")
    Integer lmFfn;

    @Option(names = "--lm-max-positions", paramLabel = "N",
        description = "causal-lm, --generator random: max_position_embeddings, BOS and control prefix included (default: "
            + flatlm.lang.causal.RandomOpt.DEFAULT_MAX_POSITIONS + ").")
    Integer lmMaxPositions;

    @Option(names = "--lm-logit-std", paramLabel = "S",
        description = "causal-lm, --generator random: standard deviation of the logits; larger = lower entropy (default: "
            + flatlm.lang.causal.RandomOpt.DEFAULT_LOGIT_STD + ").")
    Double lmLogitStd;

    @Option(names = "--lm-tied", arity = "0", description = "causal-lm, --generator random: tie the head to the token embeddings.")
    Boolean lmTied;

    @Option(names = "--vocab-ids", paramLabel = "FILE",
        description = "causal-lm: the token ids that are the words, one per line; the softmax is renormalised over "
            + "them at every step (default: the 2000 lowest ids other than BOS/EOS/PAD/<unk>, for OPT the 2000 most "
            + "frequent tokens, as in the paper).")
    Path vocabIds;

    @Option(names = "--control-ids", paramLabel = "ID,ID,...", split = ",",
        description = "causal-lm: hidden control prefix: each sentence is generated after BOS c, c uniform over these "
            + "token ids; task causal-lm:class is c, with its exact posterior (default: none, no task).")
    java.util.List<Integer> controlIds;

    @Setting("language.n")
    @Option(names = "--n", description = "Dyck: sentence length, even (default: ${DEFAULT-VALUE}).")
    int dyckLength;

    @Setting("language.support")
    @Option(names = "--support",
        description = "Dyck: equal-count (as many '(' as ')', any order: the paper's Section 6) or dyck "
            + "(proper Dyck words) (default: ${DEFAULT-VALUE}).")
    String dyckSupport;

    @Setting("language.seed")
    @Option(names = "--language-seed",
        description = "Seed of the random grammar, HMM matrices or built-in causal-lm generator (default: ${DEFAULT-VALUE}).")
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
        spec.transitionAlpha = transitionAlpha;
        spec.emissionAlpha = emissionAlpha;
        spec.permutations = permutations;
        spec.temperature = temperature;
        spec.pcfgRoots = pcfgRoots;
        spec.pcfgLevels = pcfgLevels;
        spec.pcfgPerLevel = pcfgPerLevel;
        spec.pcfgBinaryDraws = pcfgBinaryDraws;
        spec.pcfgWords = pcfgWords;
        spec.pcfgWordDraws = pcfgWordDraws;
        spec.generator = generator == null ? null : generator.toString();
        spec.vocabIds = vocabIds == null ? null : vocabIds.toString();
        spec.controlIds = controlIds;
        spec.lmControls = lmControls;
        spec.lmLayers = lmLayers;
        spec.lmHidden = lmHidden;
        spec.lmHeads = lmHeads;
        spec.lmFfn = lmFfn;
        spec.lmMaxPositions = lmMaxPositions;
        spec.lmLogitStd = lmLogitStd;
        spec.lmTied = lmTied;
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
