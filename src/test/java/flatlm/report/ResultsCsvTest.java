package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** results.csv carries each run's algorithm and labels per context; files from before those columns still read. */
class ResultsCsvTest {
    @Test
    void trainingColumnsRoundTripAndOldFilesRead(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = List.of(
            SeedRows.model("algorithms", "exact-target", 1, 10, 10, 0.005, 8, 70).withTraining("exact-target", Double.POSITIVE_INFINITY),
            SeedRows.model("algorithms", "noisy", 1, 10, 10, 0.005, 8, 70).withTraining("sampled-labels", 16),
            SeedRows.model("algorithms", "standard", 1, 10, 10, 0.005, 8, 70).withTraining("standard", 1),
            SeedRows.lookup(70, 2, 4, 2000).toBuilder().trace(Double.NaN, Double.NaN, null, "").checkpoint(null).build()); // "" reads as null
        Path csv = dir.resolve("results.csv");
        Files.writeString(csv, ResultsCsv.format(rows, List.of(SeedRows.TASK)));
        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.get(0).startsWith("experiment,run,variant,algorithm,labels_per_context,seed,"), lines.get(0));
        assertTrue(lines.get(1).startsWith("algorithms,exact-target,,exact-target,inf,1,"), lines.get(1));
        assertTrue(lines.get(2).startsWith("algorithms,noisy,,sampled-labels,16,1,"), lines.get(2));
        assertTrue(lines.get(3).startsWith("algorithms,standard,,standard,1,1,"), lines.get(3));
        assertTrue(lines.get(4).startsWith("algorithms,lookup,,,,-1,"), lines.get(4));
        assertEquals(rows, ResultsCsv.read(csv));
        // a file from before the columns: empty algorithm, NaN labels per context
        StringBuilder old = new StringBuilder();
        for (String l : lines) {
            List<String> v = new java.util.ArrayList<>(ResultsCsv.split(l));
            v.remove(4);
            v.remove(3);
            old.append(ResultsCsv.line(v));
        }
        Files.writeString(csv, old);
        List<ResultRow> back = ResultsCsv.read(csv);
        assertEquals("", back.get(0).algorithm());
        assertTrue(Double.isNaN(back.get(0).labelsPerContext()));
        assertEquals(rows.get(0).withTraining("", Double.NaN), back.get(0));
    }
}
