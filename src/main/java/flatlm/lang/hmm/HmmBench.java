package flatlm.lang.hmm;

import flatlm.lang.LanguageStats;
import flatlm.lang.Sentence;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Throughput of {@link Hmm#conditionals} on one thread, entropy of the true conditionals, and
 * the Bayes / local accuracy of task-k. Usage (all optional, defaults = the paper's HMM, seed 1):
 * {@code HmmBench [states words blocks length alpha leakage [seed [sentences]]]}.
 *
 * <p>"Bayes" = argmax_s P(s_k=s | x) vs the true state (the ceiling of any probe);
 * "local" = argmax_s P(s_k=s | x_k) ∝ P(s_k=s) E[s,x_k] (the word alone).
 */
public final class HmmBench {
    private HmmBench() {}

    public static void main(String[] args) {
        Hmm.Config c = Hmm.Config.defaults();
        long seed = 1;
        int count = 20_000;
        if (args.length >= 6) {
            c = new Hmm.Config(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]), Double.parseDouble(args[4]), Double.parseDouble(args[5]));
        }
        if (args.length >= 7) seed = Long.parseLong(args[6]);
        if (args.length >= 8) count = Integer.parseInt(args[7]);
        Hmm hmm = Hmm.random(c, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        List<Sentence> data = new ArrayList<>(count);
        for (int i = 0; i < count; i++) data.add(hmm.sample(rng));
        System.out.printf("HMM %s seed %d, %d sentences%n", c, seed, count);

        LanguageStats.conditionalsRate(hmm, data, System.out);
        LanguageStats.Entropy h = LanguageStats.entropyPerToken(hmm, data, 1);
        System.out.printf("entropy of the true conditionals: %.4f ± %.4f nats/token%n", h.perToken(), h.stderr());

        // Bayes and local accuracy of task-k
        double[][] emit = hmm.emission();
        double[][] trans = hmm.transition();
        for (int k : new int[] {3, 6, 10}) {
            if (k >= c.length()) continue;
            double[] marginal = hmm.initial(); // P(s_k) = initial · A^k
            for (int step = 0; step < k; step++) {
                double[] next = new double[c.states()];
                for (int s = 0; s < c.states(); s++) {
                    for (int t = 0; t < c.states(); t++) next[t] += marginal[s] * trans[s][t];
                }
                marginal = next;
            }
            int bayes = 0, local = 0;
            for (Sentence s : data) {
                double[] post = hmm.posteriorStates(s.words())[k];
                int x = s.words()[k];
                int bs = 0, ls = 0;
                for (int st = 1; st < c.states(); st++) {
                    if (post[st] > post[bs]) bs = st;
                    if (marginal[st] * emit[st][x] > marginal[ls] * emit[ls][x]) ls = st;
                }
                if (bs == s.states()[k]) bayes++;
                if (ls == s.states()[k]) local++;
            }
            System.out.printf("task-%d (0-based position %d): Bayes accuracy %.4f, local accuracy %.4f%n",
                k, k, (double) bayes / count, (double) local / count);
        }
    }
}
