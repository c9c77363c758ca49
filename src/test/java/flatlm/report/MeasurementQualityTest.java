package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Why Tr(H) stopped and whether each probe converged reach results.csv and the report. */
class MeasurementQualityTest {
    private static ResultRow row(long seed, String stop, int unconverged) {
        return ResultRow.builder().model("convergence", "adamw", "").at(seed, 10, 10).parameters(1000).loss(3.01, 3, 0.005, 0.0005)
            .saturated(true).trace(50, 2, "fisher", stop)
            .probes(200, Map.of("hmm:1", new ResultRow.Accuracy(0.6, 0.01, 3, 0.9, 0.01, unconverged)), Map.of("hmm:1", 0.7))
            .checkpoint("cp").build();
    }

    @Test
    void stopReasonAndProbeConvergenceAreColumnsAndAParagraph(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = List.of(row(1, "rel-stderr", 0), row(2, "max-samples", 2), row(3, "rel-stderr", 0));
        Files.writeString(dir.resolve("r.csv"), ResultsCsv.format(rows, List.of("hmm:1")));
        List<String> lines = Files.readAllLines(dir.resolve("r.csv"));
        assertTrue(lines.get(0).contains(",trH_stop,") && lines.get(0).contains(",probe_unconverged_hmm:1,"), lines.get(0));
        assertEquals(rows, ResultsCsv.read(dir.resolve("r.csv")), "read back with both");

        String p = Report.measurementQuality(rows);
        assertTrue(p.contains("1 of 3 Tr(H) estimates stopped on a budget") && p.contains("1 max-samples"), p);
        assertTrue(p.contains("2 of 9 probe fits stopped at the solver's iteration limit"), p);
        assertEquals("", Report.measurementQuality(List.of(row(1, "rel-stderr", 0))), "nothing to say when every target was reached");
    }
}
