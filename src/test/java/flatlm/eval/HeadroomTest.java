package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.lang.hmm.Hmm;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadroomTest {
    static Language hmm(int states, int words, int blocks, int length, double alpha, long seed) throws Exception {
        LanguageSpec spec = new LanguageSpec();
        spec.kind = "hmm";
        spec.states = states;
        spec.words = words;
        spec.blocks = blocks;
        spec.length = length;
        spec.alpha = alpha;
        spec.seed = seed;
        return spec.build();
    }

    static Headroom.Setup setup(List<Integer> sizes, int test, int seeds, String model) {
        return new Headroom.Setup(sizes, test, seeds, 1, 0, LinearProbe.Options.defaults(), model, 1, 1);
    }

    /** P(s_k = s, x) for every state s, by enumerating all state paths. */
    static double[] joint(Hmm hmm, int[] x, int k) {
        int S = hmm.numStates(), n = x.length;
        double[] pi = hmm.initial();
        double[][] a = hmm.transition(), e = hmm.emission();
        double[] out = new double[S];
        int paths = (int) Math.pow(S, n);
        int[] s = new int[n];
        for (int code = 0; code < paths; code++) {
            int c = code;
            for (int i = 0; i < n; i++) { s[i] = c % S; c /= S; }
            double p = pi[s[0]] * e[s[0]][x[0]];
            for (int i = 1; i < n; i++) p *= a[s[i - 1]][s[i]] * e[s[i]][x[i]];
            out[s[k]] += p;
        }
        return out;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    @Test
    void bayesCeilingMatchesBruteForceOnATinyHmm() throws Exception {
        Hmm hmm = (Hmm) hmm(3, 2, 1, 3, 0.5, 7);
        DownstreamTask task = hmm.task("hmm:1");
        Headroom.Setup setup = setup(List.of(4, 8), 400, 2, null);
        Headroom.TaskResult t = Headroom.measure(hmm, List.of(task), setup, null).tasks().get(0);
        List<DownstreamSplit> splits = Headroom.splits(task, setup);
        for (Headroom.Row row : t.rows()) {
            for (int i = 0; i < splits.size(); i++) {
                DownstreamSplit split = splits.get(i);
                int hits = 0;
                for (int r = 0; r < split.testWords().length; r++) {
                    if (argmax(joint(hmm, split.testWords()[r], 1)) == split.testLabels()[r]) hits++;
                }
                assertEquals((double) hits / split.testWords().length, row.bayes()[i], 1e-12);
            }
        }
        // and the empirical ceiling estimates the exact expected Bayes accuracy Σ_x max_s P(s_1 = s, x)
        double expected = 0;
        for (int code = 0; code < 8; code++) {
            int[] x = {code % 2, code / 2 % 2, code / 4 % 2};
            double[] j = joint(hmm, x, 1);
            expected += j[argmax(j)];
        }
        double mean = t.largest().bayesAccuracy().mean();
        double se = Math.sqrt(expected * (1 - expected) / (2 * 400));
        assertTrue(Math.abs(mean - expected) < 5 * se + 1e-12, mean + " vs exact " + expected);
    }

    @Test
    void everySizeIsARowOnNestedPrefixesWithOneTestSet() throws Exception {
        Language lang = hmm(4, 4, 1, 4, 0.3, 3);
        List<DownstreamTask> tasks = List.of(lang.task("hmm:1"), lang.task("hmm:2"));
        List<String> warnings = new java.util.ArrayList<>();
        var old = flatlm.util.Warnings.redirect(warnings::add);
        Headroom.Setup setup;
        try {
            setup = setup(List.of(32, 8, 16, 16), 60, 2, "tiny");
        } finally {
            flatlm.util.Warnings.redirect(old);
        }
        assertEquals(List.of(8, 16, 32), setup.sizes());
        assertEquals(List.of("--sizes [32, 8, 16, 16] read as [8, 16, 32] (increasing, each size once)"), warnings, "never silently");
        int[] ticks = {0};
        Headroom.Result r = Headroom.measure(lang, tasks, setup, () -> ticks[0]++);
        assertEquals(Headroom.work(lang, tasks, setup), ticks[0]);
        assertEquals(2 * 2 * 2, ticks[0]); // tasks x seeds x methods
        assertEquals(2, r.tasks().size());
        for (int ti = 0; ti < 2; ti++) {
            Headroom.TaskResult t = r.tasks().get(ti);
            DownstreamTask task = tasks.get(ti);
            assertEquals(task.name(), t.task());
            assertNull(t.lookupNote());
            assertEquals(List.of(8, 16, 32), t.rows().stream().map(Headroom.Row::size).toList());
            List<DownstreamSplit> splits = Headroom.splits(task, setup);
            for (Headroom.Row row : t.rows()) {
                assertEquals(2, row.lookup().size());
                assertEquals(2, row.random().size());
                // one test set for every size: the same Bayes ceilings
                assertArrayEquals(t.rows().get(0).bayes(), row.bayes());
                assertEquals(100 * (row.bayesAccuracy().mean() - row.lookupAccuracy().mean()), row.lookupGap(), 1e-12);
                assertEquals(100 * (row.bayesAccuracy().mean() - row.randomAccuracy().mean()), row.randomGap(), 1e-12);
                for (int i = 0; i < 2; i++) {
                    DownstreamSplit full = splits.get(i);
                    DownstreamSplit prefix = full.withTrainPrefix(row.size());
                    // nested: a size's training set is the first examples of every larger size's
                    for (int n = 0; n < row.size(); n++) assertSame(full.trainWords()[n], prefix.trainWords()[n]);
                    assertSame(full.testWords(), prefix.testWords());
                    // sliced precomputed features give exactly the probe on a fresh extraction of the prefix
                    DownstreamResult.SeedResult direct = Probe.runSeed(new LookupTable(lang), prefix, 0,
                        LinearProbe.Options.defaults(), BayesCeiling.onTest(lang, task, prefix));
                    assertEquals(direct, row.lookup().get(i));
                    assertTrue(Double.isFinite(row.lookup().get(i).crossEntropy()));
                    assertTrue(Double.isFinite(row.random().get(i).crossEntropy()));
                }
            }
            assertTrue(t.verdict().startsWith("headroom at 32 examples: "), t.verdict());
            assertTrue(t.verdict().contains("points between the lookup table and Bayes (≥ 5 needed for a useful comparison)"),
                t.verdict());
        }
    }

    @Test
    void theSameSeedGivesTheSameNumbers() throws Exception {
        Language lang = hmm(4, 4, 1, 4, 0.3, 5);
        List<DownstreamTask> tasks = List.of(lang.task("hmm:2"));
        Headroom.Setup setup = setup(List.of(8, 24), 40, 2, "tiny");
        Headroom.Result a = Headroom.measure(lang, tasks, setup, null);
        Headroom.Result b = Headroom.measure(lang, tasks, setup, null);
        for (int j = 0; j < 2; j++) {
            Headroom.Row ra = a.tasks().get(0).rows().get(j), rb = b.tasks().get(0).rows().get(j);
            assertArrayEquals(ra.bayes(), rb.bayes());
            assertEquals(ra.lookup(), rb.lookup());
            assertEquals(ra.random(), rb.random());
        }
        var ja = a.toJson();
        var jb = b.toJson();
        ja.remove("seconds");
        jb.remove("seconds");
        ((List<?>) ja.get("tasks")).forEach(t -> ((java.util.Map<?, ?>) t).remove("seconds"));
        ((List<?>) jb.get("tasks")).forEach(t -> ((java.util.Map<?, ?>) t).remove("seconds"));
        assertEquals(ja, jb);
    }

    @Test
    void lookupGapIsBayesMinusLookupInPoints() throws Exception {
        Language lang = hmm(4, 4, 1, 4, 0.3, 3);
        DownstreamTask task = lang.task("hmm:1");
        double gap = Headroom.lookupGap(lang, task, 20, 50, 2);
        Headroom.Row row = Headroom.measure(lang, List.of(task), setup(List.of(20), 50, 2, null), null).tasks().get(0).largest();
        assertEquals(row.lookupGap(), gap, 0.0);
        assertTrue(row.random().isEmpty());
        assertTrue(gap > -100 && gap < 100);
    }

    @Test
    void dyckHasNoLookupColumn() throws Exception {
        LanguageSpec spec = new LanguageSpec();
        spec.kind = "dyck";
        spec.n = 4;
        Language dyck = spec.build();
        DownstreamTask task = dyck.task("dyck");
        Headroom.TaskResult t = Headroom.measure(dyck, List.of(task), setup(List.of(8, 16), 20, 1, "tiny"), null).tasks().get(0);
        assertNotNull(t.lookupNote());
        for (Headroom.Row row : t.rows()) {
            assertTrue(row.lookup().isEmpty());
            assertEquals(1, row.random().size());
            assertTrue(Double.isNaN(row.lookupGap()));
        }
        assertTrue(t.verdict().contains("n/a"), t.verdict());
        assertThrows(BadInputException.class, () -> Headroom.lookupGap(dyck, task, 8, 8, 1));
    }

    @Test
    void badSetupsAreRejected() {
        assertThrows(BadInputException.class, () -> setup(List.of(0, 8), 10, 1, null));
        assertThrows(BadInputException.class, () -> setup(List.of(), 10, 1, null));
        assertThrows(BadInputException.class, () -> setup(List.of(8), 0, 1, null));
        assertThrows(BadInputException.class, () -> setup(List.of(8), 10, 0, null));
        assertThrows(BadInputException.class, () -> setup(List.of(8), 10, 1, "no-such-preset"));
    }
}
