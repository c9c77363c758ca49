package flatlm.cli;

import flatlm.report.ReplicationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** flatlm compare: the table, and one-line errors for directories it cannot read. */
class CompareCommandTest {
    @Test
    void theCommandPrintsTheTableAndRefusesADirectoryWithoutVerdicts(@TempDir Path root) throws Exception {
        Path a = ReplicationTest.dir(root, "a", "algorithms,x,,+,1.0,0.3,5,4,3.3,0.03,1.1,,,false,held,6.8,points\n");
        CliRunner r = CliRunner.run("compare", a.toString(), a.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("1 of 1 comparable claims; same verdict (its parenthesis aside): 1 of 1"), r.out());
        r = CliRunner.run("compare", a.toString(), root.resolve("missing").toString());
        BadInputsTest.assertOneLineError(r, "no verdicts.csv");
        Files.writeString(a.resolve("verdicts.csv"), "experiment,claim\nx,y\n");
        r = CliRunner.run("compare", a.toString(), a.toString());
        BadInputsTest.assertOneLineError(r, "no column 'task'");
    }
}
