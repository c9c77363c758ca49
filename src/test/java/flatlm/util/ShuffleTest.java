package flatlm.util;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShuffleTest {
    @Test
    void everyOrderOfThreeIsEquallyLikely() {
        SplittableRandom rng = new SplittableRandom(1);
        Map<String, Integer> counts = new HashMap<>();
        int draws = 60_000;
        for (int d = 0; d < draws; d++) counts.merge(Arrays.toString(Shuffle.permutation(3, rng)), 1, Integer::sum);
        assertEquals(6, counts.size());
        double chi2 = 0, e = draws / 6.0;
        for (int c : counts.values()) chi2 += (c - e) * (c - e) / e;
        assertTrue(chi2 < 20.5, "chi² = " + chi2 + " (5 d.o.f., p = 0.001 at 20.5)");
    }

    @Test
    void theSwapsAreFisherYatesFromTheTop() {
        // by hand with the same draws: i = 3, 2, 1, j = nextInt(i + 1)
        SplittableRandom a = new SplittableRandom(7), b = new SplittableRandom(7);
        int[] want = {10, 11, 12, 13};
        for (int i = 3; i > 0; i--) {
            int j = b.nextInt(i + 1);
            int t = want[i];
            want[i] = want[j];
            want[j] = t;
        }
        int[] got = {10, 11, 12, 13};
        Shuffle.inPlace(got, a);
        assertArrayEquals(want, got);
        assertEquals(a.nextLong(), b.nextLong(), "the same number of draws");
    }
}
