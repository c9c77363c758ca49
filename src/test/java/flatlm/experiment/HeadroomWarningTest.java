package flatlm.experiment;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plan check that a preset's main task leaves room between the lookup table and Bayes. */
class HeadroomWarningTest {
    static ExperimentPlan plan(int states, int words, String task) {
        ExperimentPlan p = new ExperimentPlan();
        p.name = "check";
        p.language.kind = "hmm";
        p.language.states = states;
        p.language.words = words;
        p.language.blocks = 2;
        p.language.length = 8;
        p.language.alpha = 0.1;
        p.measure.tasks = List.of(task);
        p.measure.probeTrain = 2000;
        p.measure.probeTest = 1000;
        return p.validate("test");
    }

    @Test
    void aTaskWhereWordsNameTheStatesGetsTheWarning() throws Exception {
        // 8 states, 16 words: the word almost names its state, the lookup table is within a point of Bayes
        String w = plan(8, 16, "hmm:6").headroomWarning();
        assertNotNull(w);
        assertTrue(w.contains("hmm:6") && w.contains("lookup table") && w.contains("flatlm lang headroom"), w);
    }

    @Test
    void aTaskWithHeadroomGetsNone() throws Exception {
        // 24 states behind 8 words: about 10 points between the lookup table and Bayes (BENCHMARKS.md)
        assertNull(plan(24, 8, "hmm:4").headroomWarning());
    }

    @Test
    void dyckHasNoLookupTableAndNoWarning() throws Exception {
        ExperimentPlan p = new ExperimentPlan();
        p.language.kind = "dyck";
        p.measure.tasks = List.of("dyck");
        assertNull(p.validate("test").headroomWarning());
    }
}
