package flatlm.experiment;

import flatlm.util.BadInputException;
import flatlm.util.Configs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe representation keys of {@code measure}: what they change in a measurement's identity. */
class MeasureKeyTest {
    @Test
    void unsetRepresentationKeysLeaveThePlanAndItsKeyAsBefore() throws Exception {
        ExperimentPlan plan = Reproduction.load("quick");
        String line = Configs.toJsonLine(plan.measure);
        assertFalse(line.contains("probeLayers") || line.contains("probeRepresentation"), line);
        assertEquals(flatlm.eval.Representation.DEFAULT, plan.measure.representation("hmm:4"));
    }

    @Test
    void perLayerProbesDoNotChangeTheMainMeasurementsButTheMainRepresentationDoes() throws Exception {
        String key = Measurer.provenance(Reproduction.load("quick")).key();
        ExperimentPlan layers = Reproduction.load("quick");
        layers.measure.probeLayers = List.of("concat", "masked");
        assertEquals(key, Measurer.provenance(layers).key(), "per-layer probes are measured apart");
        ExperimentPlan masked = Reproduction.load("quick");
        masked.measure.probeRepresentation.put("hmm:4", "final/masked");
        assertNotEquals(key, Measurer.provenance(masked).key());
        assertEquals(new flatlm.eval.Representation(-1, flatlm.eval.Representation.Read.MASKED), masked.measure.representation("hmm:4"));
    }

    @Test
    void badValuesAreOneLineErrors() throws Exception {
        ExperimentPlan p = Reproduction.load("quick");
        p.measure.probeLayers = List.of("foo");
        BadInputException e = assertThrows(BadInputException.class, () -> p.validate("q.yaml"));
        assertTrue(e.getMessage().startsWith("q.yaml: measure.probeLayers: --read must be"), e.getMessage());
        ExperimentPlan r = Reproduction.load("quick");
        r.measure.probeRepresentation.put("hmm:4", "top/concat");
        e = assertThrows(BadInputException.class, () -> r.validate("q.yaml"));
        assertTrue(e.getMessage().contains("measure.probeRepresentation.hmm:4"), e.getMessage());
        ExperimentPlan t = Reproduction.load("quick");
        t.measure.probeRepresentation.put("hmm:6", "final/concat");
        e = assertThrows(BadInputException.class, () -> t.validate("q.yaml"));
        assertTrue(e.getMessage().contains("not in measure.tasks"), e.getMessage());
    }
}
