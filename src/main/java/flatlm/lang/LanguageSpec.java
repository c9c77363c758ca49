package flatlm.lang;

import com.fasterxml.jackson.annotation.JsonInclude;
import flatlm.lang.causal.CausalLm;
import flatlm.lang.causal.CausalLmDefinition;
import flatlm.lang.causal.RandomOpt;
import flatlm.lang.dyck.Dyck;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.pcfg.GrammarShape;
import flatlm.lang.pcfg.Pcfg;
import flatlm.lang.pcfg.PcfgTask;
import flatlm.util.BadInputException;
import flatlm.util.Warnings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Which language to use, as written in a config file ({@code language:} section) or built from
 * command-line flags. Fields not used by the chosen kind are ignored (and not validated).
 *
 * <p>The nullable fields (HMM {@link #transitionAlpha}, {@link #emissionAlpha},
 * {@link #permutations}, {@link #temperature}; PCFG shape {@code pcfg*}) are left out of the
 * serialised form while null, so configs, run hashes and metadata that do not use them are
 * unchanged by their existence.
 */
public final class LanguageSpec {
    /** pcfg, hmm, dyck or causal-lm (ignored when {@link #dir} is set). */
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
    /** HMM: Dirichlet concentration of transition rows; null = {@link #alpha}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Double transitionAlpha;
    /** HMM: Dirichlet concentration of emission rows; null = {@link #alpha}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Double emissionAlpha;
    /** HMM: near-permutation transitions, a mixture of this many permutations per block; null or 0 = off. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer permutations;
    /**
     * HMM: softmax temperature of the permutation weights; required when permutations &gt; 0, else must be null.
     * causal-lm: the sampling temperature τ (null = 1).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Double temperature;
    /** PCFG random grammar shape ({@link GrammarShape}); each null = the authors' value. Only with grammar "random". */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer pcfgRoots;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer pcfgLevels;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer pcfgPerLevel;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer pcfgBinaryDraws;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer pcfgWords;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer pcfgWordDraws;
    /**
     * causal-lm: the generator directory (Hugging Face config.json + model.safetensors [+ vocab.json]),
     * or {@value CausalLmDefinition#RANDOM}: the seeded random OPT generator of {@code flatlm lm random}
     * built in memory from {@link #seed}, {@link #words} and the {@code lm*} shape keys (a directory
     * named random: {@code ./random}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String generator;
    /** causal-lm: file of the token ids that are the words, one per line; null = {@link CausalLmDefinition} default. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String vocabIds;
    /** causal-lm: hidden control prefix token ids, one class each (task causal-lm:class); null = none. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public List<Integer> controlIds;
    /** causal-lm, generator random: its shape ({@link RandomOpt.Shape}); each null = the {@code lm random} default. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer lmControls;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer lmLayers;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer lmHidden;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer lmHeads;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer lmFfn;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Integer lmMaxPositions;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Double lmLogitStd;
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Boolean lmTied;
    /** Dyck: sentence length (even). */
    public int n = 8;
    /** Dyck: "equal-count" (the paper's Section 6: as many "(" as ")", any order) or "dyck" (proper Dyck words). */
    public String support = "equal-count";
    /** Seed of the random grammar or HMM matrices. */
    public long seed = 1;

    /**
     * The small HMM {@code pretrain} trains on when its config names no language (16 words, 8 states,
     * 2 blocks, length 8, α 0.1; saturates in minutes on a CPU): the other keys are the defaults above,
     * and the keys a config gives are layered over it, as over every section of a pretrain config.
     */
    public static LanguageSpec smallHmm() {
        LanguageSpec l = new LanguageSpec();
        l.kind = "hmm";
        l.states = 8;
        l.words = 16;
        l.blocks = 2;
        l.length = 8;
        l.alpha = 0.1;
        return l;
    }

    /** Most levels of a random grammar (sentences of up to 2^levels words). */
    public static final int MAX_PCFG_LEVELS = 16;

    public Language build() throws IOException {
        if (dir != null) return Languages.load(Path.of(dir));
        validate();
        return switch (kind) {
            case "pcfg" -> pcfg().withLabelMode(parseLabelMode());
            case "hmm" -> Hmm.random(hmmConfig(), seed);
            case "dyck" -> new Dyck(n, Dyck.Support.parse(support));
            case CausalLm.KIND -> {
                int[] controls = controlIds == null ? null : controlIds.stream().mapToInt(Integer::intValue).toArray();
                Path vocab = vocabIds == null ? null : Path.of(vocabIds);
                double tau = temperature == null ? 1.0 : temperature;
                yield builtInGenerator() ? CausalLmDefinition.buildRandom(randomGenerator(), vocab, length, tau, controls)
                    : CausalLmDefinition.build(Path.of(generator), vocab, length, tau, controls == null ? new int[0] : controls);
            }
            default -> throw new BadInputException("language kind: unknown language '" + kind
                + "' (expected pcfg, hmm, dyck or causal-lm)");
        };
    }

    /**
     * Checks the nullable fields of the chosen kind (nothing when {@link #dir} is set); a one-line
     * BadInputException naming the config key and its flag. The other fields are checked when the
     * language is built.
     */
    public LanguageSpec validate() {
        if (dir != null) return this;
        if (kind.equals("hmm")) {
            checkAlpha("transitionAlpha", "--transition-alpha", transitionAlpha);
            checkAlpha("emissionAlpha", "--emission-alpha", emissionAlpha);
            int p = permutations == null ? 0 : permutations;
            if (p < 0) throw bad("permutations", "--permutations", "must be >= 0 (0 = off), got " + p);
            if (p > 0 && temperature == null) {
                throw bad("temperature", "--temperature", "must be given when permutations > 0 (permutations=" + p + ")");
            }
            if (p > 0 && (!(temperature > 0) || temperature.isInfinite())) {
                throw bad("temperature", "--temperature", "must be positive and finite, got " + temperature);
            }
            if (p == 0 && temperature != null) {
                throw bad("temperature", "--temperature", "is only used with permutations > 0 (--permutations), got permutations=" + p);
            }
        } else if (kind.equals(CausalLm.KIND)) {
            if (generator == null) {
                throw bad("generator", "--generator", "is required for kind causal-lm (a directory, or "
                    + CausalLmDefinition.RANDOM + ": the built-in random generator)");
            }
            checkRandomShape();
            if (temperature != null && (!(temperature > 0) || temperature.isInfinite())) {
                throw bad("temperature", "--temperature", "must be positive and finite, got " + temperature);
            }
        } else if (kind.equals("pcfg")) {
            for (ShapeKey k : shapeKeys()) {
                if (k.value == null) continue;
                if (!grammar.equals("random")) {
                    throw bad(k.key, k.flag, "needs grammar random (--grammar random), got grammar '" + grammar + "'");
                }
                if (k.value < 1) throw bad(k.key, k.flag, "must be >= 1, got " + k.value);
            }
            if (pcfgLevels != null && pcfgLevels > MAX_PCFG_LEVELS) {
                throw bad("pcfgLevels", "--pcfg-levels", "must be at most " + MAX_PCFG_LEVELS
                    + " (sentences of up to 2^levels words), got " + pcfgLevels);
            }
        }
        return this;
    }

    /** causal-lm: is the generator the built-in {@value CausalLmDefinition#RANDOM} one? */
    public boolean builtInGenerator() {
        return CausalLm.KIND.equals(kind) && CausalLmDefinition.RANDOM.equals(generator);
    }

    /** The built-in generator: {@link #words}, the {@code lm*} keys (null = the {@link RandomOpt} defaults), {@link #seed}. */
    public RandomOpt.Seeded randomGenerator() {
        return new RandomOpt.Seeded(new RandomOpt.Shape(words, or(lmControls, 0), or(lmLayers, RandomOpt.DEFAULT_LAYERS),
            or(lmHidden, RandomOpt.DEFAULT_HIDDEN), or(lmHeads, RandomOpt.DEFAULT_HEADS), or(lmFfn, RandomOpt.DEFAULT_FFN),
            or(lmMaxPositions, RandomOpt.DEFAULT_MAX_POSITIONS), lmLogitStd == null ? RandomOpt.DEFAULT_LOGIT_STD : lmLogitStd,
            lmTied != null && lmTied), seed);
    }

    record LmKey(String key, String flag, Object value) {}

    List<LmKey> lmKeys() {
        return List.of(new LmKey("lmControls", "--lm-controls", lmControls), new LmKey("lmLayers", "--lm-layers", lmLayers),
            new LmKey("lmHidden", "--lm-hidden", lmHidden), new LmKey("lmHeads", "--lm-heads", lmHeads),
            new LmKey("lmFfn", "--lm-ffn", lmFfn), new LmKey("lmMaxPositions", "--lm-max-positions", lmMaxPositions),
            new LmKey("lmLogitStd", "--lm-logit-std", lmLogitStd), new LmKey("lmTied", "--lm-tied", lmTied));
    }

    /** The lm* keys only with generator random, each in range; words >= 2 there. */
    private void checkRandomShape() {
        if (!builtInGenerator()) {
            for (LmKey k : lmKeys()) {
                if (k.value != null) {
                    throw bad(k.key, k.flag, "needs generator " + CausalLmDefinition.RANDOM + " (--generator "
                        + CausalLmDefinition.RANDOM + "), got generator '" + generator + "'");
                }
            }
            return;
        }
        if (words < 2) throw bad("words", "--words", "must be >= 2 for generator random, got " + words);
        if (lmControls != null && lmControls < 0) throw bad("lmControls", "--lm-controls", "must be >= 0, got " + lmControls);
        if (lmControls != null && lmControls == 1 && controlIds == null) {
            throw bad("lmControls", "--lm-controls", "must be 0 or at least 2 (one control token per class), got 1");
        }
        for (LmKey k : lmKeys().subList(1, 5)) {
            if (k.value != null && (Integer) k.value < 1) throw bad(k.key, k.flag, "must be >= 1, got " + k.value);
        }
        if (lmMaxPositions != null && lmMaxPositions < 2) throw bad("lmMaxPositions", "--lm-max-positions", "must be >= 2, got " + lmMaxPositions);
        if (lmLogitStd != null && (!(lmLogitStd > 0) || lmLogitStd.isInfinite())) {
            throw bad("lmLogitStd", "--lm-logit-std", "must be positive and finite, got " + lmLogitStd);
        }
        int d = or(lmHidden, RandomOpt.DEFAULT_HIDDEN), h = or(lmHeads, RandomOpt.DEFAULT_HEADS);
        if (d % h != 0) throw bad("lmHidden", "--lm-hidden", d + " is not a multiple of lmHeads (--lm-heads) " + h);
    }

    /** The HMM construction of this spec (α_T, α_E = α when null; permutations off when null). */
    public Hmm.Config hmmConfig() {
        return new Hmm.Config(states, words, blocks, length, alpha, leakage,
            transitionAlpha == null ? Double.NaN : transitionAlpha, emissionAlpha == null ? Double.NaN : emissionAlpha,
            permutations == null ? 0 : permutations, temperature == null ? Double.NaN : temperature);
    }

    /** The random-grammar shape: {@link GrammarShape#AUTHORS} with the {@code pcfg*} keys that are set. */
    public GrammarShape grammarShape() {
        GrammarShape a = GrammarShape.AUTHORS;
        return new GrammarShape(or(pcfgRoots, a.roots()), or(pcfgLevels, a.levels()), or(pcfgPerLevel, a.perLevel()),
            or(pcfgBinaryDraws, a.binaryDraws()), or(pcfgWords, a.words()), or(pcfgWordDraws, a.wordDraws()),
            a.rootConcentration(), a.binaryConcentration(), a.terminalA(), a.terminalB(), a.wordConcentration());
    }

    boolean hasShape() {
        for (ShapeKey k : shapeKeys()) if (k.value != null) return true;
        return false;
    }

    record ShapeKey(String key, String flag, Integer value) {}

    List<ShapeKey> shapeKeys() {
        return List.of(new ShapeKey("pcfgRoots", "--pcfg-roots", pcfgRoots),
            new ShapeKey("pcfgLevels", "--pcfg-levels", pcfgLevels),
            new ShapeKey("pcfgPerLevel", "--pcfg-per-level", pcfgPerLevel),
            new ShapeKey("pcfgBinaryDraws", "--pcfg-binary-draws", pcfgBinaryDraws),
            new ShapeKey("pcfgWords", "--pcfg-words", pcfgWords),
            new ShapeKey("pcfgWordDraws", "--pcfg-word-draws", pcfgWordDraws));
    }

    private static int or(Integer v, int dflt) {
        return v == null ? dflt : v;
    }

    private static void checkAlpha(String key, String flag, Double a) {
        if (a != null && (!(a > 0) || a.isInfinite())) throw bad(key, flag, "must be positive and finite, got " + a);
    }

    private static BadInputException bad(String key, String flag, String problem) {
        return new BadInputException("language: " + key + " (" + flag + ") " + problem);
    }

    private Pcfg pcfg() throws IOException {
        return switch (grammar) {
            case "authors" -> Pcfg.authors();
            case "random" -> {
                if (!hasShape()) yield Pcfg.random(seed);
                GrammarShape shape = grammarShape();
                if (shape.maxLength() < PcfgTask.MIN_LENGTH) {
                    Warnings.warn("language: pcfgLevels " + shape.levels() + " gives sentences of at most "
                        + shape.maxLength() + " words, fewer than the " + PcfgTask.MIN_LENGTH
                        + " the pcfg tasks need: they will find no labelled sentence");
                }
                yield Pcfg.random(shape, seed);
            }
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

    /**
     * One line for reports, e.g. {@code HMM, 200 words, 100 states, 10 blocks, length 16, alpha 0.2, seed 1}
     * ({@link LanguageSpecText#describe}).
     */
    public String describe() {
        return LanguageSpecText.describe(this);
    }

    /** The language as flags of the language commands, parsed back to this spec ({@link LanguageSpecText#flags}). */
    public String flags() {
        return LanguageSpecText.flags(this);
    }
}
