package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;
import flatlm.lang.dyck.Dyck.Support;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DownstreamTest {
    static int[] indicesWhere(List<Input> all, java.util.function.DoublePredicate p, int k) {
        return java.util.stream.IntStream.range(0, all.size()).filter(i -> p.test(all.get(i).y())).limit(k).toArray();
    }

    @Test
    void flattestSolutionTransfersWithAHandfulOfSamples() {
        int n = 8;
        OneLayerModel flat = Constructions.transferableFlattest(n);
        DownstreamProbe probe = new DownstreamProbe(flat);
        List<Input> all = DyckInputs.downstream(n);
        int[] pos = indicesWhere(all, y -> y > 0, 2), neg = indicesWhere(all, y -> y < 0, 2), zero = indicesWhere(all, y -> y == 0, 2);
        assertTrue(probe.errorOn(new int[]{pos[0], neg[0]}) < 1e-20, "two samples, one of each sign: exact");
        assertTrue(probe.errorOn(new int[]{pos[0], zero[0], neg[1], pos[1]}) < 1e-20);
        assertEquals(n / 2.0, probe.errorOn(new int[]{pos[0], pos[1], zero[0]}), 1e-12, "only positives: the negative half is missed");
        assertEquals(n, probe.errorOn(new int[]{zero[0], zero[1]}), 1e-12);
        // a handful of random samples: ~0 on average as soon as both signs are likely present
        DownstreamProbe.Stat[] c = probe.curve(new int[]{16}, 50, new SplittableRandom(1));
        assertTrue(c[0].mean() < 0.05, "mean error with 16 samples " + c[0].mean());
    }

    @Test
    void meanErrorOfTheFlattestSolutionMatchesTheTheory() {
        int n = 4, samples = 3, draws = 4000;
        DownstreamProbe probe = new DownstreamProbe(Constructions.transferableFlattest(n));
        DownstreamProbe.Stat s = probe.curve(new int[]{samples}, draws, new SplittableRandom(7))[0];
        double theory = DownstreamProbe.theoryTransferable(n, samples);
        assertEquals(theory, s.mean(), 4 * s.stderr(), "theory " + theory + " vs " + s.mean() + " ± " + s.stderr());
    }

    @Test
    void randomFeaturesNeedManyMoreSamples() {
        int n = 8;
        List<Input> in = DyckInputs.mlm(n, Support.EQUAL_COUNT);
        OneLayerModel rf = Constructions.randomFeatures(n, 800, in, new SplittableRandom(3)).model();
        int[] ns = {8, 16};
        DownstreamProbe.Stat[] r = new DownstreamProbe(rf).curve(ns, 10, new SplittableRandom(4));
        DownstreamProbe.Stat[] t = new DownstreamProbe(Constructions.transferableFlattest(n)).curve(ns, 10, new SplittableRandom(4));
        for (int i = 0; i < ns.length; i++) {
            assertTrue(r[i].mean() > 10 * t[i].mean() + 0.05, "N=" + ns[i] + ": random features " + r[i].mean() + " vs " + t[i].mean());
        }
    }

    @Test
    void minimumNormLeastSquaresAgreesWithTheSvdPseudoInverse() {
        SplittableRandom rng = new SplittableRandom(8);
        for (int[] shape : new int[][]{{6, 15, 4}, {15, 6, 6}, {10, 10, 3}}) {
            int rows = shape[0], cols = shape[1], rank = shape[2];
            double[][] left = gaussian(rows, rank, rng), right = gaussian(rank, cols, rng);
            double[][] phi = new Array2DRowRealMatrix(left).multiply(new Array2DRowRealMatrix(right)).getData();
            double[] y = new double[rows];
            for (int i = 0; i < rows; i++) y[i] = rng.nextGaussian();
            double[] mine = MinNorm.leastSquares(phi, y);
            RealMatrix pinv = new SingularValueDecomposition(new Array2DRowRealMatrix(phi)).getSolver().getInverse();
            double[] ref = pinv.operate(y);
            for (int c = 0; c < cols; c++) assertEquals(ref[c], mine[c], 1e-8, "shape " + java.util.Arrays.toString(shape));
        }
    }

    @Test
    void symmetricEigenReconstructsDegenerateMatrices() {
        SplittableRandom rng = new SplittableRandom(2);
        double[][] b = gaussian(30, 2, rng);
        double[][] k = new Array2DRowRealMatrix(b).multiply(new Array2DRowRealMatrix(b).transpose()).getData(); // rank 2, 28 zero eigenvalues
        SymmetricEigen e = new SymmetricEigen(k);
        for (int i = 0; i < 30; i++) {
            for (int j = 0; j < 30; j++) {
                double s = 0;
                for (int q = 0; q < 30; q++) s += e.vectors[i][q] * e.values[q] * e.vectors[j][q];
                assertEquals(k[i][j], s, 1e-10);
            }
        }
        assertEquals(2, new MinNorm.Pinv(k, MinNorm.REL_TOL).rank());
        for (int q = 1; q < 30; q++) assertTrue(e.values[q - 1] <= e.values[q]);
    }

    static double[][] gaussian(int r, int c, SplittableRandom rng) {
        double[][] m = new double[r][c];
        for (double[] row : m) for (int j = 0; j < c; j++) row[j] = rng.nextGaussian();
        return m;
    }
}
