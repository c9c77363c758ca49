package flatlm.flatness;

import flatlm.model.MlmTransformer;
import flatlm.model.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The estimators against exact quantities on tiny float64 transformers (731 parameters) over an
 * enumerable language (a 3-word HMM of length 3; every (sentence, position) with weight p(x)/3
 * and its exact conditional: the population single-mask loss, exactly). The dense Hessian takes
 * one Hessian-vector product per parameter, the exact Fisher trace enumerates every label y.
 *
 * <p>Two models: {@code rough} (random, parameters perturbed by N(0, 0.3²): an indefinite
 * Hessian far from the Fisher) and {@code saturated} (trained by full-batch AdamW on the exact loss
 * to KL ≈ 1e-4), where the Hessian and Fisher traces must agree (Bartlett identity, Lemma 4.2).
 * Estimators are seeded, so these are deterministic; each "within 3 standard errors" would fail
 * by chance 0.3% of the time over seeds.
 */
class ExactChecksTest {
    static ContextSet population;
    static MlmTransformer rough;
    static MlmTransformer saturated;
    static double[][] hRough;
    static double trRough;
    static double fisherRough;
    static double trSaturated;
    static double fisherSaturated;
    static double kl;

    @BeforeAll
    static void setUp() {
        Torch.setThreads(1);
        population = Tiny.population(Tiny.language());
        rough = Tiny.rough(Tiny.config(), 7, 0.3);
        hRough = ExactHessian.dense(rough, population, Labels.EXACT, ParameterSelection.all());
        trRough = ExactHessian.trace(hRough);
        fisherRough = ExactHessian.fisherTrace(rough, population, ParameterSelection.all());
        saturated = Tiny.rough(Tiny.config(), 8, 0.1);
        kl = Tiny.train(saturated, population, 1500, 0.01);
        trSaturated = ExactHessian.trace(ExactHessian.dense(saturated, population, Labels.EXACT, ParameterSelection.all()));
        fisherSaturated = ExactHessian.fisherTrace(saturated, population, ParameterSelection.all());
        System.err.printf("ExactChecksTest: %d contexts, %d parameters; rough Tr(H) %.6f, Fisher %.6f; saturated (KL %.2e) "
                + "Tr(H) %.6f, Fisher %.6f%n", population.size(), hRough.length, trRough, fisherRough, kl, trSaturated,
            fisherSaturated);
    }

    static void within3(String what, Estimate e, double exact) {
        System.err.printf("ExactChecksTest: %s %.5f ± %.5f (%d samples, %.2f s) vs exact %.5f: %+.2f stderr%n",
            what, e.value(), e.stderr(), e.samples(), e.seconds(), exact, (e.value() - exact) / e.stderr());
        assertTrue(Math.abs(e.value() - exact) <= 3 * e.stderr(),
            what + " " + e.value() + " ± " + e.stderr() + " vs exact " + exact);
    }

    @Test
    void denseHessianIsSymmetricAndNonTrivial() {
        double scale = Arrays.stream(hRough).flatMapToDouble(Arrays::stream).map(Math::abs).max().orElseThrow();
        assertTrue(ExactHessian.asymmetry(hRough) < 1e-10 * scale);
        assertTrue(Math.abs(trRough) > 1, "degenerate Hessian, trace " + trRough);
        double[] e = ExactHessian.eigenvalues(hRough);
        assertTrue(e[0] < -1, "the rough model sits away from a minimum: indefinite Hessian");
        assertEquals(trRough, Arrays.stream(e).sum(), 1e-9 * Math.abs(trRough) + 1e-9);
    }

    @Test
    void hutchinsonIsWithinThreeStandardErrorsOfTheExactTrace() {
        Estimate exact = Hutchinson.estimate(saturated, population, Labels.EXACT, ParameterSelection.all(), 16,
            Budget.relStderr(0.03), new SplittableRandom(1), Progress.NONE);
        within3("hutchinson, exact labels", exact, trSaturated);
        assertTrue(exact.relStderr() <= 0.03);
        assertEquals("rel-stderr", exact.stop());
        // data labels: same expectation, ~10x the variance (label noise), so a fixed number of probes
        Estimate data = Hutchinson.estimate(saturated, population, Labels.DATA, ParameterSelection.all(), 16,
            Budget.fixed(800), new SplittableRandom(2), Progress.NONE);
        within3("hutchinson, data labels", data, trSaturated);
        // the rough model: an indefinite Hessian (fewer probes: its vᵀHv varies more)
        Estimate r = Hutchinson.estimate(rough, population, Labels.EXACT, ParameterSelection.all(), 16,
            Budget.fixed(400), new SplittableRandom(3), Progress.NONE);
        within3("hutchinson, rough model", r, trRough);
    }

    @Test
    void fisherEstimatorsAreWithinThreeStandardErrorsOfTheExactFisherTrace() {
        Estimate per = FisherEstimator.perSample(rough, population, ParameterSelection.all(),
            Budget.relStderr(0.02), new SplittableRandom(3), Progress.NONE);
        within3("fisher per-sample", per, fisherRough);
        Estimate batched = FisherEstimator.batched(rough, population, ParameterSelection.all(), 16,
            Budget.relStderr(0.02), new SplittableRandom(4), Progress.NONE);
        within3("fisher batched", batched, fisherRough);
        assertEquals(16 * batched.samples(), batched.contexts());
        double se = Math.hypot(per.stderr(), batched.stderr());
        assertTrue(Math.abs(per.value() - batched.value()) <= 3 * se, "per-sample " + per.value() + " vs batched " + batched.value());
    }

    @Test
    void atSaturationTheFisherAndHessianTracesAgree() {
        assertTrue(kl < 1e-3, "not saturated: KL " + kl);
        // Bartlett: Tr(H) − F = E_x Σ_v (q_v − p*_v) Tr ∇² log q_v → 0 as q → p*
        assertEquals(trSaturated, fisherSaturated, 1e-3 * trSaturated);
        // ... while away from saturation they differ by a factor of 3
        assertTrue(fisherRough > 2 * trRough, "rough: Fisher " + fisherRough + " vs Tr(H) " + trRough);
        // the paper's estimator at the saturated model estimates Tr(H)
        Estimate batched = FisherEstimator.batched(saturated, population, ParameterSelection.all(), 16,
            Budget.relStderr(0.02), new SplittableRandom(5), Progress.NONE);
        within3("fisher batched at saturation vs Tr(H)", batched, trSaturated);
    }

    @Test
    void topEigenvalueMatchesTheDenseEigendecomposition() {
        double[] eig = ExactHessian.eigenvalues(hRough);
        double max = eig[eig.length - 1];
        TopEigenvalue.Result lanczos = TopEigenvalue.compute(rough, population, Labels.EXACT, ParameterSelection.all(),
            TopEigenvalue.Method.LANCZOS, 1e-10, 200, new SplittableRandom(5));
        TopEigenvalue.Result power = TopEigenvalue.compute(rough, population, Labels.EXACT, ParameterSelection.all(),
            TopEigenvalue.Method.POWER, 1e-12, 3000, new SplittableRandom(6));
        System.err.printf("ExactChecksTest: eigenvalues [%.6f, %.6f]; Lanczos %.9f (%d steps, residual %.1e); "
                + "power %.9f (%d iterations, residual %.1e)%n", eig[0], max, lanczos.value(), lanczos.iterations(),
            lanczos.residual(), power.value(), power.iterations(), power.residual());
        assertTrue(lanczos.converged());
        assertEquals(max, lanczos.value(), 1e-8 * Math.abs(max));
        assertTrue(power.converged());
        assertEquals(max, power.value(), 1e-6 * Math.abs(max));
        // loose tolerance: converged flag honest, value close
        TopEigenvalue.Result loose = TopEigenvalue.compute(rough, population, Labels.EXACT, ParameterSelection.all(),
            TopEigenvalue.Method.LANCZOS, 1e-3, 200, new SplittableRandom(5));
        assertTrue(loose.converged() && loose.iterations() < lanczos.iterations());
        assertEquals(max, loose.value(), 1e-3 * Math.abs(max));
    }

    /** A saddle whose most negative eigenvalue dominates: power iteration shifts to find the largest one. */
    @Test
    void topEigenvalueAtASaddleIsTheLargestNotTheDominant() {
        MlmTransformer saddle = Tiny.rough(Tiny.config(), 1, 0.5);
        double[] eig = ExactHessian.eigenvalues(ExactHessian.dense(saddle, population, Labels.EXACT, ParameterSelection.all()));
        double min = eig[0];
        double max = eig[eig.length - 1];
        assertTrue(-min > max, "fixture: the most negative eigenvalue must dominate");
        TopEigenvalue.Result power = TopEigenvalue.compute(saddle, population, Labels.EXACT, ParameterSelection.all(),
            TopEigenvalue.Method.POWER, 1e-12, 4000, new SplittableRandom(7));
        TopEigenvalue.Result lanczos = TopEigenvalue.compute(saddle, population, Labels.EXACT, ParameterSelection.all(),
            TopEigenvalue.Method.LANCZOS, 1e-10, 300, new SplittableRandom(7));
        System.err.printf("ExactChecksTest: saddle eigenvalues [%.5f, %.5f]; power dominant %.5f, top %.5f (%d iterations); "
            + "Lanczos %.5f%n", min, max, power.dominant(), power.value(), power.iterations(), lanczos.value());
        assertEquals(min, power.dominant(), 1e-6 * Math.abs(min));
        assertEquals(max, power.value(), 1e-5 * Math.abs(max));
        assertEquals(max, lanczos.value(), 1e-8 * Math.abs(max));
    }

    @Test
    void excludedParametersAreLeftOut() {
        ParameterSelection noBias = ParameterSelection.excluding("head.bias");
        double[][] h = ExactHessian.dense(rough, population, Labels.EXACT, noBias);
        assertEquals(hRough.length - Tiny.WORDS, h.length);
        // the sub-block of the full Hessian (head.bias is the last parameter)
        for (int i = 0; i < h.length; i += 37)
            for (int j = 0; j < h.length; j += 41) assertEquals(hRough[i][j], h[i][j], 1e-12);
        Estimate e = FisherEstimator.batched(rough, population, noBias, 16, Budget.fixed(20), new SplittableRandom(1),
            Progress.NONE);
        assertEquals(h.length, e.parameters());
        assertEquals(java.util.List.of("head.bias"), e.details().get("excluded"));
    }
}
