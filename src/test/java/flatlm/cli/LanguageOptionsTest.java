package flatlm.cli;

import flatlm.lang.LanguageSpec;
import flatlm.lang.hmm.Hmm;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LanguageOptions: the new flags, and LanguageSpec.flags() parsed back to the same spec. */
class LanguageOptionsTest {

    @Command(name = "holder")
    static final class Holder {
        @Mixin LanguageOptions language;
    }

    static LanguageSpec parse(String... args) {
        Holder h = new Holder();
        Defaults.cli(h).parseArgs(args);
        return h.language.spec();
    }

    /** Splits a command line into words: blanks separate, single quotes group (as {@code LanguageSpec.flags} quotes). */
    static String[] words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false, any = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') { quoted = !quoted; any = true; }
            else if (c == ' ' && !quoted) {
                if (any) out.add(w.toString());
                w.setLength(0);
                any = false;
            } else { w.append(c); any = true; }
        }
        if (any) out.add(w.toString());
        return out.toArray(new String[0]);
    }

    static String json(LanguageSpec s) {
        return Configs.toJsonLine(s);
    }

    @Test
    void noFlagsGiveTheDefaultSpec() {
        LanguageSpec s = parse();
        assertEquals(json(new LanguageSpec()), json(s));
        assertNull(s.transitionAlpha);
        assertNull(s.permutations);
        assertNull(s.pcfgLevels);
    }

    @Test
    void newFlagsReachTheSpec() throws IOException {
        LanguageSpec s = parse("--lang", "hmm", "--states", "12", "--words", "4", "--blocks", "2", "--length", "6",
            "--transition-alpha", "0.05", "--emission-alpha", "2", "--permutations", "3", "--temperature", "0.25");
        assertEquals(0.05, s.transitionAlpha, 0);
        assertEquals(2.0, s.emissionAlpha, 0);
        assertEquals(3, s.permutations);
        assertEquals(0.25, s.temperature, 0);
        Hmm hmm = (Hmm) s.build();
        assertEquals(new Hmm.Config(12, 4, 2, 6, 0.2, 0).withAlphas(0.05, 2).withPermutations(3, 0.25), hmm.config());
        LanguageSpec p = parse("--grammar", "random", "--pcfg-roots", "2", "--pcfg-levels", "3", "--pcfg-per-level", "4",
            "--pcfg-binary-draws", "5", "--pcfg-words", "30", "--pcfg-word-draws", "12");
        assertEquals(List.of(2, 3, 4, 5, 30, 12),
            List.of(p.pcfgRoots, p.pcfgLevels, p.pcfgPerLevel, p.pcfgBinaryDraws, p.pcfgWords, p.pcfgWordDraws));
        BadInputException e = assertThrows(BadInputException.class, () -> parse("--pcfg-levels", "3").build());
        assertTrue(e.getMessage().contains("--pcfg-levels") && e.getMessage().contains("--grammar random"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> parse("--lang", "hmm", "--permutations", "2").build());
        assertTrue(e.getMessage().contains("--temperature"), e.getMessage());
    }

    static LanguageSpec spec(String kind, Consumer<LanguageSpec> edit) {
        LanguageSpec s = new LanguageSpec();
        s.kind = kind;
        edit.accept(s);
        return s;
    }

    @Test
    void flagsParseBackToTheSameSpec() {
        List<LanguageSpec> specs = List.of(
            new LanguageSpec(),
            spec("hmm", s -> { }),
            spec("hmm", s -> { s.states = 40; s.words = 8; s.blocks = 4; s.length = 12; s.alpha = 0.7; s.seed = 9; }),
            spec("hmm", s -> { s.leakage = 0.05; s.transitionAlpha = 1e-3; s.emissionAlpha = 5.0; }),
            spec("hmm", s -> { s.permutations = 4; s.temperature = 0.125; s.seed = -3; }),
            spec("hmm", s -> { s.permutations = 0; }),
            spec("pcfg", s -> { s.grammar = "random"; s.seed = 12; }),
            spec("pcfg", s -> { s.grammar = "random"; s.pcfgLevels = 3; s.pcfgPerLevel = 5; s.pcfgRoots = 4;
                s.pcfgBinaryDraws = 7; s.pcfgWords = 50; s.pcfgWordDraws = 20; s.labelMode = "posterior"; }),
            spec("pcfg", s -> { s.grammar = "/tmp/my rules.txt"; s.renormalize = true; }),
            spec("dyck", s -> { s.n = 10; s.support = "dyck"; }),
            spec("dyck", s -> { }));
        for (LanguageSpec s : specs) {
            String flags = s.flags();
            assertEquals(json(s), json(parse(words(flags))), flags);
        }
        LanguageSpec dir = new LanguageSpec();
        dir.dir = "out/lang";
        assertEquals("--language out/lang", dir.flags());
        assertEquals(json(dir), json(parse(words(dir.flags()))));
    }

    @Test
    void helpExplainsTheNewFlags() {
        String usage = Defaults.cli(new Holder()).getUsageMessage();
        for (String flag : List.of("--transition-alpha", "--emission-alpha", "--permutations", "--temperature",
            "--pcfg-roots", "--pcfg-levels", "--pcfg-per-level", "--pcfg-binary-draws", "--pcfg-words", "--pcfg-word-draws")) {
            assertTrue(usage.contains(flag), flag);
        }
        assertTrue(usage.contains("same as --alpha"), usage);
    }
}
