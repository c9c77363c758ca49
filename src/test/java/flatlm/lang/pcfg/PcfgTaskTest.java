package flatlm.lang.pcfg;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcfgTaskTest {
    /** argmax over classes of a score, ties to the smaller id; -1 if every score is 0. */
    private static int argmax(double[] scores) {
        int best = -1;
        double bestScore = 0;
        for (int c = 0; c < scores.length; c++) {
            if (scores[c] > bestScore) {
                bestScore = scores[c];
                best = c;
            }
        }
        return best;
    }

    private static int expected(Pcfg pcfg, PcfgTask task, Chart chart, boolean posterior) {
        Grammar g = pcfg.grammar();
        int n = chart.length();
        int end = task.name().equals("pcfg:A") ? n : task.name().equals("pcfg:B") ? 4 : 2;
        double[] scores = new double[task.numClasses()];
        for (int c = 0; c < scores.length; c++) {
            int a = task.nonterminalOf(c);
            if (posterior) {
                scores[c] = chart.posterior(a, 0, end);
            } else {
                scores[c] = Math.exp(chart.logInside(a, 0, end) - chart.logProbability());
                if (end == n) {
                    double p = 0;
                    for (Grammar.Rule r : g.rules()) if (r.lhs() == g.start() && r.first() == a && r.kind() == Grammar.Kind.UNARY) p += r.prob();
                    scores[c] *= p;
                }
            }
        }
        return argmax(scores);
    }

    @Test
    void labelsFollowTheirDefinitions() {
        Pcfg inside = PcfgTestSupport.authors();
        Pcfg posterior = inside.withLabelMode(Pcfg.LabelMode.POSTERIOR);
        assertEquals(List.of("pcfg:A", "pcfg:B", "pcfg:C"), inside.tasks().stream().map(DownstreamTask::name).toList());
        SplittableRandom rng = new SplittableRandom(21);
        int shortOnes = 0, posteriorMissing = 0, labelled = 0;
        for (int k = 0; k < 400; k++) {
            Sentence s = inside.sample(rng);
            Chart chart = inside.chart(s.words());
            for (String name : List.of("pcfg:A", "pcfg:B", "pcfg:C")) {
                PcfgTask ti = (PcfgTask) inside.task(name), tp = (PcfgTask) posterior.task(name);
                OptionalInt li = ti.labelOf(s), lp = tp.labelOf(s);
                if (s.length() < PcfgTask.MIN_LENGTH) {
                    assertFalse(li.isPresent());
                    assertFalse(lp.isPresent());
                    if (name.equals("pcfg:A")) shortOnes++;
                    continue;
                }
                int ei = expected(inside, ti, chart, false), ep = expected(posterior, tp, chart, true);
                assertEquals(ei, li.orElse(-1), name + " inside");
                assertEquals(ep, lp.orElse(-1), name + " posterior");
                if (li.isPresent()) {
                    assertTrue(li.getAsInt() >= 0 && li.getAsInt() < ti.numClasses());
                    labelled++;
                }
                if (lp.isPresent()) {
                    // a posterior label is a constituent of some derivation, hence has a positive inside score
                    assertTrue(chart.logInside(tp.nonterminalOf(lp.getAsInt()), 0, name.equals("pcfg:A") ? s.length()
                        : name.equals("pcfg:B") ? 4 : 2) > Double.NEGATIVE_INFINITY);
                } else {
                    posteriorMissing++;
                }
                if (name.equals("pcfg:A")) {
                    assertTrue(li.isPresent());
                    assertEquals(li, lp, "S_r occurs only under S: both modes agree");
                    assertTrue(ti.className(li.getAsInt()).matches("S\\d"));
                }
            }
        }
        assertTrue(shortOnes > 0 && labelled > 500, shortOnes + " short, " + labelled + " labelled");
        assertTrue(posteriorMissing > 0, "some prefixes [0,4) or [0,2) are constituents of no derivation");
    }

    @Test
    void classSpacesAndSampling() {
        Pcfg pcfg = PcfgTestSupport.authors();
        PcfgTask a = (PcfgTask) pcfg.task("pcfg:A"), b = (PcfgTask) pcfg.task("pcfg:B");
        assertEquals(9, a.numClasses());
        for (int c = 0; c < 9; c++) assertEquals("S" + (c + 1), a.className(c));
        assertEquals(49, b.numClasses());
        assertEquals("S1", b.className(0));
        assertEquals("A4_9", b.className(48));
        SplittableRandom rng = new SplittableRandom(4);
        for (DownstreamTask t : pcfg.withLabelMode(Pcfg.LabelMode.POSTERIOR).tasks()) {
            for (int k = 0; k < 50; k++) {
                DownstreamTask.Example e = t.sample(rng);
                assertTrue(e.words().length >= PcfgTask.MIN_LENGTH);
                assertEquals(e.label(), t.labelOf(new Sentence(e.words())).getAsInt());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> b.labelOf(new Sentence(new int[17])));
        assertFalse(b.labelOf(new Sentence(new int[] {1, 2, 3})).isPresent());
    }

    @Test
    void noRootTaskWithoutUnaryStartRules() {
        Pcfg pcfg = Pcfg.parse("binroot", List.of("S A A 1.0", "A A A 0.3", "A a 0.7"), false);
        assertEquals(List.of("pcfg:B", "pcfg:C"), pcfg.tasks().stream().map(DownstreamTask::name).toList());
        assertEquals(1, pcfg.task("pcfg:B").numClasses());
    }
}
