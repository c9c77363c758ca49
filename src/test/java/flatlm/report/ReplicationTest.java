package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two reproductions compared claim by claim: agreement within 2·√(se_a² + se_b²), by hand. */
public class ReplicationTest {
    static final String HEADER = "experiment,claim,task,predicted,change,stderr,n,df,t,p,mde80,dkl,dkl_se,kl_differs,verdict,paper_change,unit\n";

    public static Path dir(Path root, String name, String rows) throws Exception {
        Path d = Files.createDirectories(root.resolve(name));
        Files.writeString(d.resolve("verdicts.csv"), HEADER + rows);
        return d;
    }

    @Test
    void estimatesAgreeWithinTheBandOfTheirDifference(@TempDir Path root) throws Exception {
        Path a = dir(root, "a", """
            algorithms,natural − adversarial accuracy,hmm:4,+,1.0,0.3,5,4,3.3,0.03,1.1,,,false,held,6.8,points
            algorithms,"adversarial Tr(H), larger",,+,-1.0,0.3,5,4,-3.3,0.03,1.1,,,false,opposite,141,%
            size,model size: accuracy,hmm:4,+,0.2,,1,,,,,,,false,did not hold (mde80 0.4 points ≤ paper's 10.1),10.1,points
            dyck,only in a,,+,1.0,0.1,5,4,,,,,,false,held,,points
            """);
        Path b = dir(root, "b", """
            algorithms,"adversarial Tr(H), larger",,+,1.5,0.4,5,4,3.7,0.02,1.5,,,false,held,141,%
            algorithms,natural − adversarial accuracy,hmm:4,+,1.8,0.4,5,4,4.5,0.01,1.5,,,false,held,6.8,points
            size,model size: accuracy,hmm:4,+,0.5,0.2,5,4,2.5,0.07,0.7,,,false,did not hold (mde80 0.7 points ≤ paper's 10.1),10.1,points
            noise,only in b,,-,,,0,,,,,,,false,not run,,%
            """);
        List<Replication.Row> rows = Replication.compare(Replication.read(a), Replication.read(b));
        assertEquals(5, rows.size());
        // |1.8 − 1.0| = 0.8 < 2·√(0.09 + 0.16) = 1.0: agree
        assertEquals(1.0, rows.get(0).band(), 1e-12);
        assertEquals(Boolean.TRUE, rows.get(0).agree());
        // |1.5 − (−1.0)| = 2.5 ≥ 1.0: the quoted claim (a comma inside) matched, and disagrees
        assertEquals(2.5, rows.get(1).difference(), 1e-12);
        assertEquals(Boolean.FALSE, rows.get(1).agree());
        assertNull(rows.get(2).agree(), "one seed: no standard error, not comparable");
        assertNull(rows.get(3).b());
        assertNull(rows.get(4).a());
        String table = Replication.table(rows, "a", "b");
        assertTrue(table.contains("agree within 2·√(se_a² + se_b²): 1 of 2 comparable claims; same verdict (its parenthesis aside): 2 of 3"), table);
        assertTrue(table.contains("| **no** | opposite | held |"), table);
    }
}
