package flatlm.lang;

import flatlm.lang.causal.CausalLm;
import flatlm.lang.causal.CausalLmDefinition;
import flatlm.lang.pcfg.GrammarShape;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A {@link LanguageSpec} as text: one line for reports, and the flags that give it back. */
final class LanguageSpecText {
    private LanguageSpecText() {}

    /**
     * One line for reports, e.g. {@code HMM, 200 words, 100 states, 10 blocks, length 16, alpha 0.2, seed 1}
     * or {@code PCFG, grammar random, seed 3}; the optional fields are added only when set
     * (leakage when non-zero, PCFG label mode when posterior), so a spec without them reads as before.
     */
    static String describe(LanguageSpec l) {
        if (l.dir != null) return "language from " + l.dir;
        return switch (l.kind) {
            case "hmm" -> {
                StringBuilder b = new StringBuilder(String.format("HMM, %d words, %d states, %d blocks, length %d, alpha %s",
                    l.words, l.states, l.blocks, l.length, l.alpha));
                if (l.transitionAlpha != null) b.append(", transition alpha ").append(l.transitionAlpha);
                if (l.emissionAlpha != null) b.append(", emission alpha ").append(l.emissionAlpha);
                if (l.permutations != null && l.permutations > 0) {
                    b.append(", ").append(l.permutations).append(" permutations at temperature ").append(l.temperature);
                } else if (l.temperature != null) {
                    b.append(", temperature ").append(l.temperature);
                }
                if (l.leakage != 0) b.append(", leakage ").append(l.leakage);
                yield b.append(", seed ").append(l.seed).toString();
            }
            case "pcfg" -> {
                StringBuilder b = new StringBuilder("PCFG, grammar ").append(l.grammar);
                if (l.grammar.equals("random")) b.append(", seed ").append(l.seed);
                if (l.hasShape()) {
                    GrammarShape s = l.grammarShape();
                    b.append(String.format(", shape %d roots, %d levels of %d, %d binary draws, %d words, %d word draws",
                        s.roots(), s.levels(), s.perLevel(), s.binaryDraws(), s.words(), s.wordDraws()));
                }
                if (!l.labelMode.equals(new LanguageSpec().labelMode)) b.append(", label mode ").append(l.labelMode);
                yield b.toString();
            }
            case "dyck" -> "Dyck, n " + l.n + ", support " + l.support;
            case CausalLm.KIND -> {
                StringBuilder b = new StringBuilder("causal LM ").append(l.builtInGenerator()
                    ? "random generator (" + CausalLmDefinition.describe(l.randomGenerator()) + ")" : l.generator)
                    .append(", length ").append(l.length);
                b.append(", vocabulary ").append(l.vocabIds == null ? "default" : l.vocabIds);
                if (l.temperature != null) b.append(", temperature ").append(l.temperature);
                if (l.controlIds != null && !l.controlIds.isEmpty()) b.append(", ").append(l.controlIds.size()).append(" control classes");
                yield b.toString();
            }
            default -> l.kind;
        };
    }

    /**
     * The language as flags of the language commands ({@code lookup}, {@code lang stats}, ...):
     * parsed back by {@code flatlm.cli.LanguageOptions} they give this spec again (for the fields
     * the kind uses). HMM: the six sizes always, then every optional field that is set; PCFG: the
     * grammar, and for a random grammar its seed; the shape flags, label mode and renormalize
     * when they differ from the defaults; Dyck: n and support when not the defaults; causal-lm: the
     * generator (for the built-in random one also words, seed and the lm* keys that are set), length,
     * and vocabulary file, temperature and control ids when set. Arguments
     * holding characters a shell would interpret are single-quoted.
     */
    static String flags(LanguageSpec l) {
        if (l.dir != null) return "--language " + quote(l.dir);
        LanguageSpec d = new LanguageSpec(); // the defaults, left out
        List<String> f = new ArrayList<>(List.of("--lang", quote(l.kind)));
        switch (l.kind) {
            case "hmm" -> {
                add(f, "--words", l.words);
                add(f, "--states", l.states);
                add(f, "--blocks", l.blocks);
                add(f, "--length", l.length);
                add(f, "--alpha", l.alpha);
                add(f, "--language-seed", l.seed);
                if (l.leakage != 0) add(f, "--leakage", l.leakage);
                if (l.transitionAlpha != null) add(f, "--transition-alpha", l.transitionAlpha);
                if (l.emissionAlpha != null) add(f, "--emission-alpha", l.emissionAlpha);
                if (l.permutations != null) add(f, "--permutations", l.permutations);
                if (l.temperature != null) add(f, "--temperature", l.temperature);
            }
            case "pcfg" -> {
                f.add("--grammar");
                f.add(quote(l.grammar));
                if (l.grammar.equals("random")) add(f, "--language-seed", l.seed);
                for (LanguageSpec.ShapeKey k : l.shapeKeys()) if (k.value() != null) add(f, k.flag(), k.value());
                if (!l.labelMode.equals(d.labelMode)) {
                    f.add("--label-mode");
                    f.add(quote(l.labelMode));
                }
                if (l.renormalize) f.add("--renormalize");
            }
            case CausalLm.KIND -> {
                f.add("--generator");
                f.add(quote(l.generator));
                if (l.builtInGenerator()) {
                    add(f, "--words", l.words);
                    add(f, "--language-seed", l.seed);
                    for (LanguageSpec.LmKey k : l.lmKeys()) {
                        if (k.value() instanceof Boolean on) { if (on) f.add(k.flag()); }
                        else if (k.value() != null) add(f, k.flag(), k.value());
                    }
                }
                if (l.vocabIds != null) {
                    f.add("--vocab-ids");
                    f.add(quote(l.vocabIds));
                }
                add(f, "--length", l.length);
                if (l.temperature != null) add(f, "--temperature", l.temperature);
                if (l.controlIds != null && !l.controlIds.isEmpty()) {
                    add(f, "--control-ids", String.join(",", l.controlIds.stream().map(String::valueOf).toList()));
                }
            }
            case "dyck" -> {
                if (l.n != 8) add(f, "--n", l.n);
                if (!l.support.equals(d.support)) {
                    f.add("--support");
                    f.add(quote(l.support));
                }
            }
            default -> { }
        }
        return String.join(" ", f);
    }

    private static void add(List<String> f, String flag, Object value) {
        f.add(flag);
        f.add(String.valueOf(value));
    }

    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");

    /** {@code s} as one shell word: itself when plain, else single-quoted ({@code '} written as {@code '\''}). */
    static String quote(String s) {
        if (SHELL_SAFE.matcher(s).matches()) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
