package flatlm.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.report.ResultRow;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two planned runs with the same config are trained once; each keeps its own measurements. */
class SharedRunTest {
    private static final JsonMapper JSON = new JsonMapper();

    static ExperimentPlan plan() throws Exception {
        ExperimentPlan p = Reproduction.load("tiny");
        p.algorithms = null;
        p.pruning = null;
        p.noise = null;
        p.dyck = null;
        p.convergence.sgd = null;
        p.seeds = List.of(1L);
        p.measure.probeCurve = List.of();
        ObjectNode model = JSON.createObjectNode().put("preset", "tiny").put("d", 32).put("heads", 2).put("dInter", 64);
        p.train.set("model", model);
        p.size.train = p.convergence.adamw.deepCopy();
        p.size.sizes = List.of(JSON.createObjectNode().put("d", 16).put("heads", 1).put("dInter", 32),
            JSON.createObjectNode().put("d", 32).put("heads", 2).put("dInter", 64));
        return p.validate("test");
    }

    @Test
    void theLargestWidthSharesTheConvergenceRunsTraining(@TempDir Path dir) throws Exception {
        Reproduction r = new Reproduction(plan(), dir, true);
        RunSpec conv = r.runs().get(0), d32 = r.runs().get(2);
        assertEquals("convergence/adamw/s1", conv.id());
        assertEquals("size/d32/s1", d32.id());
        assertEquals(conv.hash(), d32.hash());
        assertEquals(conv.dir(dir), r.trainingDir(d32));
        assertTrue(r.describe().contains("trained as convergence/adamw/s1"), r.describe());

        Reproduction.Summary s = r.run(2);
        assertTrue(s.failures().isEmpty(), s.failures().toString());
        assertEquals(2, s.trained(), "convergence/adamw and size/d16 trained, size/d32 shares the first");
        assertFalse(Files.exists(d32.dir(dir).resolve("checkpoints")));
        ResultRow last = s.rows().stream().filter(x -> x.experiment().equals("convergence") && x.step() == 40).findFirst().orElseThrow();
        ResultRow size = s.rows().stream().filter(x -> x.run().equals("d32") && x.variant().isEmpty()).findFirst().orElseThrow();
        assertEquals(last.kl(), size.kl(), 0.0, "the same checkpoint, measured again as a size row");
        assertEquals(last.acc("hmm:3"), size.acc("hmm:3"), 0.0);
        for (ResultRow x : s.rows()) {
            assertTrue(Set.of("rel-stderr", "max-samples").contains(x.trHStop()), "Tr(H) stopped on its target or samples: " + x);
            assertTrue(x.accuracy().values().stream().allMatch(a -> a.unconverged() >= 0 && a.unconverged() <= a.n()));
        }
        // every measurement line records the code that made it
        assertTrue(Files.readString(d32.dir(dir).resolve(MeasurementLog.FILE)).contains("\"code\":\""));
        assertTrue(Files.readString(r.trainingDir(d32).resolve(Reproduction.DONE)).contains("\"format\""));
    }

    @Test
    void aSizeMayTrainLongerThanTheOthersAndStopsSharingTheConvergenceRun(@TempDir Path dir) throws Exception {
        ExperimentPlan p = plan();
        ObjectNode narrow = p.size.sizes.get(0).deepCopy();
        narrow.set("train", JSON.createObjectNode().put("steps", 80));
        p.size.sizes = List.of(narrow, p.size.sizes.get(1));
        Reproduction r = new Reproduction(p.validate("test"), dir, true);
        RunSpec conv = r.runs().get(0), d16 = r.runs().get(1), d32 = r.runs().get(2);
        assertEquals("size/d16/s1", d16.id());
        assertEquals(80, d16.config().steps, "the size's own steps");
        assertEquals(conv.config().steps, d32.config().steps);
        assertEquals(16, (int) d16.config().model.d, "the train block is not a model key");
        assertEquals(conv.hash(), d32.hash(), "the other width still shares the convergence run");

        narrow.set("train", JSON.getNodeFactory().textNode("long"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(flatlm.util.BadInputException.class, () -> p.validate("test"));
        assertTrue(e.getMessage().contains("'train' of width 16 must be a map"), e.getMessage());
    }
}
