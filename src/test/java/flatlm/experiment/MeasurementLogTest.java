package flatlm.experiment;

import flatlm.report.ResultRow;
import flatlm.util.Warnings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeasurementLogTest {
    static List<ResultRow> rows(long step) {
        List<ResultRow> out = new ArrayList<>();
        for (int n : new int[] {2048, 32}) {
            out.add(ResultRow.builder().model("convergence", "adamw", "").at(2, step, step).parameters(100).loss(1.0, 0.9, 0.1, 0.01)
                .trace(5.0, 0.2, "fisher", "").probes(n, Map.of("hmm:4", new ResultRow.Accuracy(0.6, 0.01, 3, 1.1, 0.02)), Map.of("hmm:4", 0.7))
                .checkpoint("runs/x/step-" + step).training("exact-target", Double.POSITIVE_INFINITY).build());
        }
        return out;
    }

    @Test
    void everyProbeSizeOfAModelRoundTrips(@TempDir Path dir) throws Exception {
        MeasurementLog.of(dir, "k").put("step-1", rows(1));
        List<ResultRow> back = MeasurementLog.of(dir, "k").get("step-1");
        assertEquals(rows(1), back);
        assertNull(MeasurementLog.of(dir, "other-key").get("step-1"), "another measurement key is another measurement");
        assertTrue(Files.readString(dir.resolve(MeasurementLog.FILE)).contains("\"labelsPerContext\":\"Infinity\""));
    }

    /** A line written before the algorithm and labelsPerContext fields: they read as "" and NaN (Reproduction fills them). */
    @Test
    void linesFromBeforeTheTrainingFieldsRead(@TempDir Path dir) throws Exception {
        MeasurementLog.of(dir, "k").put("step-1", rows(1));
        Path file = dir.resolve(MeasurementLog.FILE);
        String old = Files.readString(file).replace(",\"algorithm\":\"exact-target\"", "").replace(",\"labelsPerContext\":\"Infinity\"", "");
        assertTrue(!old.contains("algorithm") && !old.contains("labelsPerContext"), old);
        Files.writeString(file, old);
        ResultRow back = MeasurementLog.of(dir, "k").get("step-1").get(0);
        assertEquals("", back.algorithm());
        assertTrue(Double.isNaN(back.labelsPerContext()));
        assertEquals(rows(1).get(0), back.withTraining("exact-target", Double.POSITIVE_INFINITY));
    }

    /** An interrupted append leaves a cut last line; the next model must not be glued onto it and lost. */
    @Test
    void aCutLastLineIsDroppedWithAWarningAndSwallowsNothing(@TempDir Path dir) throws Exception {
        MeasurementLog.of(dir, "k").put("step-1", rows(1));
        Path file = dir.resolve(MeasurementLog.FILE);
        String full = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(file, full + full.substring(0, full.length() / 2), StandardCharsets.UTF_8); // a cut second line
        List<String> warnings = new ArrayList<>();
        Consumer<String> old = Warnings.redirect(warnings::add);
        try {
            MeasurementLog<ResultRow> log = MeasurementLog.of(dir, "k");
            assertEquals(1, log.rows().size() / 2);
            log.put("step-2", rows(2));
        } finally {
            Warnings.redirect(old);
        }
        assertTrue(warnings.stream().anyMatch(w -> w.contains("cut")), warnings.toString());
        MeasurementLog<ResultRow> again = MeasurementLog.of(dir, "k");
        assertEquals(rows(1), again.get("step-1"));
        assertEquals(rows(2), again.get("step-2"));
        assertEquals(4, again.rows().size());
    }
}
