package flatlm.lang.pcfg;

import flatlm.util.BadInputException;
import flatlm.util.Warnings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuleFileTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private Consumer<String> previousSink;

    @BeforeEach
    void captureWarnings() {
        previousSink = Warnings.redirect(warnings::add);
    }

    @AfterEach
    void restoreWarnings() {
        Warnings.redirect(previousSink);
    }

    private Path write(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, List.of(lines));
        return f;
    }

    private void assertError(Path file, int line, String fragment, boolean renormalize) {
        BadInputException e = assertThrows(BadInputException.class, () -> Pcfg.load(file, renormalize));
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ":" + line + ": "), "file and line in: " + m);
        assertTrue(m.contains(fragment), "'" + fragment + "' in: " + m);
        assertEquals(1, m.lines().count(), "one line");
    }

    private static final String[] GOOD = {"S S1 0.6", "S S2 0.4", "S1 A B 1.0", "S2 B A 1.0", "A a 0.5", "A b 0.5", "B c 1.0"};

    @Test
    void loadsAValidGrammar() throws IOException {
        Pcfg pcfg = Pcfg.load(write("good.txt", GOOD), false);
        Grammar g = pcfg.grammar();
        assertEquals(List.of("a", "b", "c"), pcfg.vocabulary().words(), "words in order of first appearance");
        assertEquals(5, g.numNonterminals());
        assertEquals(0, g.start());
        assertEquals(2, pcfg.maxLength());
        assertEquals(List.of(), warnings);
        assertEquals(Math.log(0.6 * 0.5), pcfg.logProbability(new int[] {0, 2}), 1e-15);
        assertEquals(Math.log(0.4 * 0.5), pcfg.logProbability(new int[] {2, 1}), 1e-15);
    }

    @Test
    void malformedLines() throws IOException {
        assertError(write("fields.txt", "S a 1.0", "S a b c 0.5"), 2, "found 5 fields", false);
        assertError(write("fields2.txt", "S 1.0"), 1, "found 2 fields", false);
        assertError(write("number.txt", "S a 1.0", "", "A x y half"), 3, "'half' is not a number", false);
    }

    @Test
    void probabilityOutsideTheUnitInterval() throws IOException {
        assertError(write("big.txt", "S a 1.5"), 1, "outside [0, 1]", false);
        assertError(write("neg.txt", "S a 0.5", "S b -0.5"), 2, "outside [0, 1]", false);
        assertError(write("nan.txt", "S a NaN"), 1, "outside [0, 1]", false);
        assertError(write("inf.txt", "S a Infinity"), 1, "outside [0, 1]", false);
    }

    @Test
    void binaryChildNeverDefined() throws IOException {
        assertError(write("undef.txt", "S A 1.0", "A a 0.5", "A A Z 0.25", "A Z A 0.25"), 3, "'Z', which is never defined", false);
    }

    @Test
    void missingStartSymbol() throws IOException {
        Path f = write("nostart.txt", "A a 1.0");
        BadInputException e = assertThrows(BadInputException.class, () -> Pcfg.load(f, false));
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains("start symbol 'S'"), e.getMessage());
    }

    @Test
    void unaryCycleIsRejected() throws IOException {
        assertError(write("cycle.txt", "S A 1.0", "A B 0.5", "A a 0.5", "B A 0.5", "B b 0.5"), 2, "cycle", false);
    }

    @Test
    void startDerivingNothingIsRejected() throws IOException {
        assertError(write("empty.txt", "S A A 1.0", "A A A 1.0"), 1, "derives no finite sentence", false);
    }

    @Test
    void largeDeviationIsAnErrorUnlessRenormalizing() throws IOException {
        Path f = write("dev.txt", "S A 1.0", "A a 0.5", "A b 0.4");
        assertError(f, 2, "'A' sum to 0.9", false);
        Pcfg pcfg = Pcfg.load(f, true);
        assertEquals(Math.log(0.5 / 0.9), pcfg.logProbability(new int[] {0}), 1e-15);
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith(f + ":2: renormalised the rules of 1 nonterminal"), warnings.get(0));
    }

    @Test
    void smallDeviationIsRenormalisedWithOneWarning() throws IOException {
        Path f = write("small.txt", "S A 0.7", "S B 0.3000001", "A a 0.5", "A b 0.499", "B b 1.0");
        Pcfg pcfg = Pcfg.load(f, false);
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.startsWith(f + ":3: renormalised the rules of 2 nonterminals"), w);
        assertTrue(w.contains("largest deviation 1.00e-03: 'A' sums to 0.999"), w);
        double pa = 0.7 / 1.0000001 * 0.5 / 0.999;
        assertEquals(Math.log(pa), pcfg.logProbability(new int[] {0}), 1e-14);
    }

    @Test
    void unreachableNonterminalsAreNamed() throws IOException {
        Path f = write("unreach.txt", "S A 1.0", "A a 1.0", "Z A A 0.5", "Z b 0.5", "Y c 1.0");
        Pcfg pcfg = Pcfg.load(f, false);
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith(f + ":3: 2 nonterminals are unreachable from S: Z Y"), warnings.get(0));
        assertEquals(List.of("a", "b", "c"), pcfg.vocabulary().words());
    }

    @Test
    void duplicatesAreSummedAndCommentsSkipped() throws IOException {
        Pcfg pcfg = Pcfg.load(write("dup.txt", "# a comment", "S A 1.0", "A a 0.25", "", "A b 0.5", "A a 0.25"), false);
        assertEquals(Math.log(0.5), pcfg.logProbability(new int[] {0}), 1e-15);
        assertEquals(3, pcfg.grammar().rules().size());
        assertEquals(List.of(), warnings);
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("absent.txt");
        BadInputException e = assertThrows(BadInputException.class, () -> Pcfg.load(f, false));
        assertTrue(e.getMessage().contains("absent.txt"), e.getMessage());
    }

    @Test
    void authorsGrammar() {
        warnings.clear();
        Pcfg pcfg;
        try {
            pcfg = Pcfg.authors();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Grammar g = pcfg.grammar();
        assertEquals(50, g.numNonterminals());
        assertEquals(200, pcfg.vocabulary().size());
        assertEquals(16, pcfg.maxLength());
        assertEquals("korean", pcfg.vocabulary().word(0));
        assertEquals(1407, g.rules().size(), "1649 lines, duplicates summed");
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("renormalised the rules of 5 nonterminals")
            && warnings.get(0).contains("'A4_1'"), warnings.get(0));
        assertTrue(warnings.get(1).contains("unreachable from S: A1_9"), warnings.get(1));
        double[] sums = new double[g.numNonterminals()];
        for (Grammar.Rule r : g.rules()) sums[r.lhs()] += r.prob();
        for (double s : sums) assertEquals(1.0, s, 1e-12);
        assertEquals(9, pcfg.task("pcfg:A").numClasses());
        assertEquals(49, pcfg.task("pcfg:B").numClasses());
    }
}
