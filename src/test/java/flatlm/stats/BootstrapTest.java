package flatlm.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BootstrapTest {
    private static double mean(List<double[]> rows) {
        double s = 0;
        for (double[] r : rows) s += r[1];
        return s / rows.size();
    }

    @Test
    void clustersOfCorrelatedRowsWidenTheInterval() {
        // 10 clusters (runs × seeds) of 20 checkpoints that share their cluster's value c ~ N(0, 1), plus small noise:
        // the mean has s.e. ≈ 1/√10 = 0.32, not 1/√200 = 0.07 as the row bootstrap assumes.
        SplittableRandom rng = new SplittableRandom(3);
        List<double[]> rows = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            double v = rng.nextGaussian();
            for (int i = 0; i < 20; i++) rows.add(new double[] {c, v + 0.05 * rng.nextGaussian()});
        }
        Bootstrap.Interval byRow = Bootstrap.rows(rows, BootstrapTest::mean, 2000, 1);
        Bootstrap.Interval byCluster = Bootstrap.clustered(rows, r -> r[0], BootstrapTest::mean, 2000, 1);
        assertEquals(10, byCluster.clusters());
        assertEquals(200, byRow.clusters());
        double wRow = byRow.hi() - byRow.lo(), wCluster = byCluster.hi() - byCluster.lo();
        assertTrue(wCluster > 3 * wRow, wCluster + " vs " + wRow);
        // the cluster interval ≈ ±1.96·sd(cluster values)/√10 (bootstrap: the plug-in sd, √(9/10) of it)
        double[] cv = new double[10];
        for (int c = 0; c < 10; c++) cv[c] = rows.get(20 * c)[1];
        double expected = 2 * 1.96 * Summary.of(cv).std() * Math.sqrt(0.9) / Math.sqrt(10);
        assertEquals(expected, wCluster, 0.25 * expected);
    }

    @Test
    void singletonClustersAreTheRowBootstrap() {
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) rows.add(new double[] {i, Math.sin(i)});
        Bootstrap.Interval a = Bootstrap.rows(rows, BootstrapTest::mean, 500, 9);
        Bootstrap.Interval b = Bootstrap.clustered(rows, r -> r[0], BootstrapTest::mean, 500, 9);
        assertEquals(a, b);
        assertTrue(Double.isNaN(Bootstrap.clustered(rows, r -> 0, BootstrapTest::mean, 500, 9).lo()), "one cluster: no interval");
    }
}
