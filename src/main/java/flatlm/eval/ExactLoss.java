package flatlm.eval;

import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.model.MlmBatch;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

import java.util.ArrayList;
import java.util.List;

/**
 * The exact pre-training loss of a model on a fixed held-out set, every position of every
 * sentence masked in turn (SPEC.md section 4): with p = p*(·|x_-i) and q the model's
 * prediction, CE = −Σ_v p_v log q_v = H(p) + KL(p‖q), averaged over (sentence, position)
 * pairs with the single-mask weights of {@link SingleMaskLoss} (each sentence 1, each of its
 * positions 1/|x|: the loss training minimises and Tr(H) is the Hessian of); the plain
 * validation loss −log q(x_i) of the held-out word is reported beside it.
 */
public final class ExactLoss {
    /** Results; {@code klStderr} is clustered by sentence (the standard error of the mean of per-sentence KLs). */
    public record Result(double crossEntropy, double entropy, double kl, double log10Kl, double klStderr,
                         double validationLoss, long predictions) {}

    /** A held-out set: sentences and their exact conditionals, computed once. */
    public record HeldOut(List<Sentence> sentences, List<double[][]> conditionals, long predictions) {
        public static HeldOut of(Language language, List<Sentence> sentences) {
            List<double[][]> cond = new ArrayList<>(sentences.size());
            long n = 0;
            for (Sentence s : sentences) {
                cond.add(language.conditionals(s.words()));
                n += s.length();
            }
            return new HeldOut(List.copyOf(sentences), cond, n);
        }
    }

    private ExactLoss() {}

    /** Evaluates {@code model} on every (sentence, position) of {@code set}, {@code rows} predictions per batch. */
    public static Result evaluate(MlmModel model, HeldOut set, int rows) {
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        int sentences = set.sentences().size();
        double[] klPerSentence = new double[sentences]; // (1/|x|) Σ_i KL_i: the sentence's single-mask KL
        double ce = 0, h = 0, kl = 0, val = 0;
        int v = model.vocabWords();
        List<int[]> pending = new ArrayList<>(); // (sentence, position)
        for (int s = 0; s < sentences; s++) {
            for (int i = 0; i < set.sentences().get(s).length(); i++) pending.add(new int[] {s, i});
        }
        for (int start = 0; start < pending.size(); start += rows) {
            List<int[]> chunk = pending.subList(start, Math.min(pending.size(), start + rows));
            int[][] words = new int[chunk.size()][];
            int[] positions = new int[chunk.size()];
            for (int r = 0; r < chunk.size(); r++) {
                words[r] = set.sentences().get(chunk.get(r)[0]).words();
                positions[r] = chunk.get(r)[1];
            }
            double[] logq;
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                logq = Torch.toDoubles(model.logProbs(MlmBatch.singleMask(words, positions)));
            }
            for (int r = 0; r < chunk.size(); r++) {
                int s = chunk.get(r)[0];
                int i = chunk.get(r)[1];
                double[] p = set.conditionals().get(s)[i];
                double rowCe = 0, rowH = 0;
                for (int w = 0; w < v; w++) {
                    if (p[w] > 0) {
                        rowCe -= p[w] * logq[r * v + w];
                        rowH -= p[w] * Math.log(p[w]);
                    }
                }
                double w = SingleMaskLoss.weight(words[r].length, sentences);
                ce += w * rowCe;
                h += w * rowH;
                kl += w * (rowCe - rowH);
                klPerSentence[s] += (rowCe - rowH) / words[r].length;
                val -= w * logq[r * v + words[r][i]];
            }
        }
        model.setTraining(wasTraining);
        double ss = 0;
        for (int s = 0; s < sentences; s++) ss += (klPerSentence[s] - kl) * (klPerSentence[s] - kl);
        double klStderr = sentences < 2 ? Double.NaN : Math.sqrt(ss / ((double) sentences * (sentences - 1)));
        return new Result(ce, h, kl, Math.log10(Math.max(kl, 1e-300)), klStderr, val, set.predictions());
    }
}
