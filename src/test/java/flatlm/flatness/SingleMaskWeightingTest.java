package flatlm.flatness;

import flatlm.eval.ExactLoss;
import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.lang.Sentence;
import flatlm.model.MlmBatch;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a variable-length language the exact loss of saturation and the loss whose Hessian is
 * Tr(H) are one loss: both weigh each sentence 1 and each of its positions 1/|x|.
 */
class SingleMaskWeightingTest {
    @Test
    void exactLossAndTheFlatnessLossAreTheSameSingleMaskLoss() throws Exception {
        LanguageSpec spec = new LanguageSpec();
        spec.kind = "pcfg";
        spec.grammar = "random";
        spec.pcfgLevels = 3;
        spec.pcfgPerLevel = 2;
        spec.pcfgRoots = 1;
        spec.pcfgWords = 6;
        spec.seed = 3;
        Language lang = spec.validate().build();
        List<Sentence> sentences = lang.sample(12, new SplittableRandom(5));
        assertTrue(sentences.stream().mapToInt(Sentence::length).distinct().count() > 1, "lengths vary");
        ExactLoss.HeldOut held = ExactLoss.HeldOut.of(lang, sentences);
        ModelConfig cfg = new ModelConfig(lang.vocabulary().size(), lang.maxLength(), 8, 2, 1, 16, true, 0.0, ModelConfig.DType.FLOAT64);
        MlmTransformer model = Tiny.rough(cfg, 7, 0.3);

        ExactLoss.Result exact = ExactLoss.evaluate(model, held, 7); // batches cut across sentences
        // by hand: per (sentence, position) cross-entropy against p*, then the two weightings
        double sentenceMean = 0, tokenSum = 0;
        long tokens = 0;
        int v = model.vocabWords();
        for (int s = 0; s < sentences.size(); s++) {
            int[] w = sentences.get(s).words();
            double perSentence = 0;
            for (int i = 0; i < w.length; i++) {
                double[] logq;
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    logq = Torch.toDoubles(model.logProbs(MlmBatch.singleMask(new int[][] {w}, new int[] {i})));
                }
                double[] p = held.conditionals().get(s)[i];
                double ce = 0;
                for (int x = 0; x < v; x++) if (p[x] > 0) ce -= p[x] * logq[x];
                perSentence += ce / w.length;
                tokenSum += ce;
                tokens++;
            }
            sentenceMean += perSentence / sentences.size();
        }
        assertEquals(sentenceMean, exact.crossEntropy(), 1e-10, "ExactLoss weighs each sentence 1, its positions 1/|x|");
        assertTrue(Math.abs(tokenSum / tokens - sentenceMean) > 1e-4, "the two weightings differ here, so the test can fail");

        ContextSet set = ContextSet.singleMask(held);
        double flat;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            flat = Params.loss(model, set.contexts(), set.weights(), Labels.EXACT).item_double();
        }
        assertEquals(exact.crossEntropy(), flat, 1e-10, "Tr(H)'s loss (exact labels) is the exact loss of saturation");
    }
}
