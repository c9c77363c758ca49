package flatlm.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import flatlm.report.ResultRow;
import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plan has one held-out set: measured into results.csv and logged by every run into metrics.jsonl. */
class HeldOutSetTest {
    private static ExperimentPlan plan() throws Exception {
        ExperimentPlan p = Reproduction.load("tiny");
        p.algorithms = null;
        p.pruning = null;
        p.dyck = null;
        p.size = null;
        p.convergence.sgd = null;
        p.seeds = List.of(1L);
        p.measure.probeCurve = List.of();
        p.measure.probeLayers = List.of();
        p.measure.flatnessMaxSamples = 20;
        p.measure.evalSentences = 48;
        p.measure.evalSeed = 777;
        return p;
    }

    @Test
    void everyRunTrainsWithThePlansHeldOutSetAndLogsTheMeasuredKl(@TempDir Path dir) throws Exception {
        Reproduction r = new Reproduction(plan().validate("test"), dir, true);
        for (RunSpec run : r.runs()) {
            assertEquals(48, run.config().data.evalSentences, run.id());
            assertEquals(777, run.config().data.evalSeed, run.id());
        }
        Reproduction.Summary s = r.run(1);
        assertTrue(s.failures().isEmpty(), s.failures().toString());
        RunSpec adamw = r.runs().get(0);
        List<String> metrics = Files.readAllLines(adamw.dir(dir).resolve("metrics.jsonl"));
        JsonNode last = new JsonMapper().readTree(metrics.get(metrics.size() - 1));
        ResultRow row = s.rows().stream().filter(x -> x.step() == last.get("step").asLong()).findFirst().orElseThrow();
        assertEquals(last.get("kl").asDouble(), row.kl(), 1e-12, "one checkpoint, one held-out set, one KL");
    }

    @Test
    void aTrainingKeyThatChoosesAnotherHeldOutSetIsRefused(@TempDir Path dir) throws Exception {
        ExperimentPlan p = plan();
        p.train.putObject("data").put("evalSentences", 32);
        BadInputException e = assertThrows(BadInputException.class, () -> new Reproduction(p.validate("test"), dir, true));
        assertTrue(e.getMessage().contains("data.evalSentences 32") && e.getMessage().contains("measure.evalSentences 48"), e.getMessage());
    }
}
