package flatlm.train;

import flatlm.model.LrSchedule;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleAndMaskingTest {
    @Test
    void warmupThenDecay() {
        LrSchedule cos = new LrSchedule(1.0, 10, "cosine", 0.1, 110);
        assertEquals(0.1, cos.at(0), 1e-12);
        assertEquals(1.0, cos.at(9), 1e-12);
        assertEquals(1.0, cos.at(10), 1e-12);
        assertEquals(0.55, cos.at(10 + 99 / 2) , 0.02);
        assertEquals(0.1, cos.at(109), 1e-12);
        LrSchedule lin = new LrSchedule(2.0, 0, "linear", 0.0, 11);
        assertEquals(2.0, lin.at(0), 1e-12);
        assertEquals(1.0, lin.at(5), 1e-12);
        assertEquals(0.0, lin.at(10), 1e-12);
        assertEquals(2.0, new LrSchedule(2.0, 3, "constant", 0.0, 50).at(40), 0.0);
    }

    @Test
    void bertMaskingChoosesOneToFiveSortedDistinctPositions() {
        SplittableRandom rng = new SplittableRandom(3);
        int total = 0;
        for (int trial = 0; trial < 2000; trial++) {
            int[] p = Masking.bertPositions(16, rng);
            assertTrue(p.length >= 1 && p.length <= Masking.BERT_MAX);
            for (int j = 1; j < p.length; j++) assertTrue(p[j] > p[j - 1]);
            total += p.length;
        }
        double mean = total / 2000.0;
        assertTrue(mean > 2.0 && mean < 2.6, "about 15% of 16 positions (capped at 5): " + mean);
    }

    @Test
    void batchesArePureFunctionsOfSeedAndStep() {
        var a = BatchSource.rngFor(1, 17, 2).nextLong();
        assertEquals(a, BatchSource.rngFor(1, 17, 2).nextLong());
        assertTrue(a != BatchSource.rngFor(1, 18, 2).nextLong());
        assertTrue(a != BatchSource.rngFor(2, 17, 2).nextLong());
        assertTrue(a != BatchSource.rngFor(1, 17, 1).nextLong());
    }

    @Test
    void rngStreamIdsAreFixed() {
        // Part of every run's identity: renumbering a stream would change the bytes of every trained model.
        assertEquals(1, RngStreams.SENTENCES);
        assertEquals(2, RngStreams.MASKING);
        assertEquals(3, RngStreams.DROPOUT);
        assertEquals(4, RngStreams.META_LOSS);
    }
}
