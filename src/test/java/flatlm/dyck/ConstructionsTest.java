package flatlm.dyck;

import flatlm.dyck.DyckInputs.Input;
import flatlm.lang.dyck.Dyck.Support;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both constructions fit every masked string; the transferable one is the flattest (Theorem 6.1). */
class ConstructionsTest {
    @Test
    void transferableSolutionsHaveZeroLossOnEveryMaskedStringAndTheClosedFormTraces() {
        for (int n : new int[]{2, 4, 6, 8}) {
            for (Support support : Support.values()) {
                List<Input> in = DyckInputs.mlm(n, support);
                MlmObjective obj = new MlmObjective(in);
                OneLayerModel paper = Constructions.transferablePaper(n);
                OneLayerModel flat = Constructions.transferableFlattest(n);
                OneLayerModel balanced = Constructions.rebalance(paper, in);
                for (OneLayerModel m : List.of(paper, flat, balanced)) {
                    assertTrue(obj.loss(m) < 1e-20, "loss " + obj.loss(m));
                    assertTrue(obj.maxAbsResidual(m) < 1e-12);
                    assertTrue(obj.minAbsPreactivation(m) > 0.1, "no masked input is at a ReLU kink");
                }
                assertEquals((double) n * n + n + 1.0 / (n * n), obj.trace(paper).total(), 1e-9);
                assertEquals(3 * Math.cbrt(n), obj.trace(balanced).total(), 1e-9);
                assertEquals(Constructions.traceLowerBound(n), obj.trace(flat).total(), 1e-12);
                // rescaling the flattest one changes nothing: it is balanced already
                assertEquals(obj.trace(flat).total(), obj.trace(Constructions.rebalance(flat, in)).total(), 1e-12);
            }
        }
    }

    @Test
    void randomFeatureSolutionsFitEveryMaskedStringAndAreSharperThanTheTransferableOne() {
        SplittableRandom rng = new SplittableRandom(5);
        int[][] cases = {{4, 32}, {4, 64}, {4, 256}, {6, 160}, {6, 320}, {6, 1000}};
        for (int[] c : cases) {
            int n = c[0], m = c[1];
            List<Input> in = DyckInputs.mlm(n, Support.EQUAL_COUNT);
            MlmObjective obj = new MlmObjective(in);
            Constructions.RandomFeatures rf = Constructions.randomFeatures(n, m, in, rng.split());
            assertTrue(rf.loss() < 1e-8, "n=" + n + " m=" + m + ": loss " + rf.loss());
            assertEquals(rf.loss(), obj.loss(rf.model()), 0);
            double flat = obj.trace(Constructions.transferableFlattest(n)).total();
            double raw = obj.trace(rf.model()).total();
            OneLayerModel bal = Constructions.rebalance(rf.model(), in);
            double balanced = obj.trace(bal).total();
            assertTrue(obj.loss(bal) < 1e-8);
            assertTrue(balanced <= raw + 1e-9, "rescaling to the flattest member cannot increase Tr");
            assertTrue(flat < balanced, "n=" + n + " m=" + m + ": transferable " + flat + " vs random features " + balanced);
            assertTrue(balanced >= Constructions.traceLowerBound(n) - 1e-9, "the lower bound holds for every zero-loss solution");
        }
    }

    @Test
    void rebalancingKeepsTheFunctionAndIsAMinimumAlongTheSymmetry() {
        int n = 4;
        List<Input> in = DyckInputs.mlm(n, Support.EQUAL_COUNT);
        MlmObjective obj = new MlmObjective(in);
        OneLayerModel rf = Constructions.randomFeatures(n, 40, in, new SplittableRandom(9)).model();
        OneLayerModel bal = Constructions.rebalance(rf, in);
        for (List<Input> set : List.of(in, DyckInputs.downstream(n))) {
            for (Input x : set) assertEquals(rf.forward(x), bal.forward(x), 1e-9);
        }
        double best = obj.trace(bal).total();
        SplittableRandom rng = new SplittableRandom(2);
        for (int trial = 0; trial < 20; trial++) {
            OneLayerModel p = bal.copy();
            double gamma = 1 + 0.1 * (rng.nextDouble() - 0.5);
            int d = p.dim();
            for (int i = 0; i < d; i++) for (int r = 0; r < d; r++) p.setV(i, r, gamma * bal.v(i, r));
            for (int j = 0; j < p.width(); j++) {
                double c = 1 + 0.1 * (rng.nextDouble() - 0.5);
                for (int r = 0; r < d; r++) p.setW(j, r, c * bal.w(j, r));
                p.setA(j, bal.a(j) / (gamma * c));
            }
            assertTrue(obj.loss(p) < 1e-8);
            assertTrue(obj.trace(p).total() >= best - 1e-9, "a rescaled copy is flatter: " + obj.trace(p).total() + " < " + best);
        }
    }

    @Test
    void denseHessianTraceOfTheTransferableSolutionsAgrees() {
        int n = 4;
        MlmObjective obj = new MlmObjective(DyckInputs.mlm(n, Support.EQUAL_COUNT));
        for (OneLayerModel m : List.of(Constructions.transferablePaper(n), Constructions.transferableFlattest(n))) {
            double[][] h = obj.denseHessian(m);
            double tr = 0;
            for (int i = 0; i < h.length; i++) tr += h[i][i];
            assertEquals(obj.trace(m).total(), tr, 1e-10);
        }
    }
}
