package flatlm.util;

import java.util.random.RandomGenerator;

/**
 * The Fisher–Yates shuffle, the one home of every random permutation in flatlm: for
 * i = n−1 down to 1, swap a[i] with a[j], j uniform in 0..i ({@code rng.nextInt(i + 1)}), so
 * each of the n! orders has probability 1/n! and a seed gives the same order everywhere.
 */
public final class Shuffle {
    private Shuffle() {}

    /** Shuffles {@code a} in place. */
    public static void inPlace(int[] a, RandomGenerator rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A uniform random permutation of 0..n−1. */
    public static int[] permutation(int n, RandomGenerator rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        inPlace(a, rng);
        return a;
    }
}
