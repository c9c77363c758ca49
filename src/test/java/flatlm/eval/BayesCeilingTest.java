package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;
import flatlm.lang.hmm.Hmm;
import flatlm.lang.pcfg.Pcfg;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BayesCeilingTest {
    @Test
    void hmmCeilingIsThePosteriorArgmaxByBruteForce() {
        Hmm hmm = Hmm.random(new Hmm.Config(3, 4, 1, 4, 0.5, 0.0), 2);
        DownstreamTask task = hmm.task("hmm:2");
        SplittableRandom rng = new SplittableRandom(1);
        int n = 200;
        int[][] words = new int[n][];
        int[] labels = new int[n];
        int hits = 0;
        double[] init = hmm.initial();
        double[][] a = hmm.transition(), e = hmm.emission();
        for (int r = 0; r < n; r++) {
            Sentence s = hmm.sample(rng);
            words[r] = s.words();
            labels[r] = s.states()[2];
            // brute force: P(s_2 = k, x) summed over all state paths
            double[] joint = new double[3];
            for (int p = 0; p < 81; p++) {
                int[] st = {p % 3, p / 3 % 3, p / 9 % 3, p / 27 % 3};
                double pr = init[st[0]] * e[st[0]][words[r][0]];
                for (int i = 1; i < 4; i++) pr *= a[st[i - 1]][st[i]] * e[st[i]][words[r][i]];
                joint[st[2]] += pr;
            }
            int best = 0;
            for (int k = 1; k < 3; k++) if (joint[k] > joint[best]) best = k;
            if (best == labels[r]) hits++;
        }
        assertEquals((double) hits / n, BayesCeiling.accuracy(hmm, task, words, labels).getAsDouble(), 1e-12);
    }

    @Test
    void pcfgLabelsAreDeterministic() throws Exception {
        Pcfg pcfg = Pcfg.authors();
        DownstreamTask a = pcfg.task("pcfg:A");
        DownstreamSplit split = DownstreamSplit.draw(a, 5, 5, 1);
        assertEquals(1.0, BayesCeiling.onTest(pcfg, a, split));
        assertTrue(Double.isNaN(BayesCeiling.onTest(null, a, split)));
    }
}
