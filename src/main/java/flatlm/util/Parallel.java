package flatlm.util;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Index-parallel loops on a pool of a given size; results written by index stay deterministic. */
public final class Parallel {
    private static final Set<Integer> WARNED = ConcurrentHashMap.newKeySet();

    private Parallel() {}

    /**
     * Warns (once per count and process) when more threads are asked for than this machine has
     * cores: the extra threads only compete for them. Every thread count a user gives passes here.
     */
    public static void checkThreads(int threads) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads > cores && WARNED.add(threads)) {
            Warnings.warn(threads + " threads asked for, but this machine has " + cores + " core" + (cores == 1 ? "" : "s")
                + ": the extra threads only compete for them (--threads " + cores + " or fewer)");
        }
    }

    /** Runs body(i) for i in [0, n) on {@code threads} threads (in order on the caller when threads ≤ 1). */
    public static void forEach(int n, int threads, IntConsumer body) {
        checkThreads(threads);
        if (threads <= 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(() -> IntStream.range(0, n).parallel().forEach(body)).join();
        } finally {
            pool.shutdown();
        }
    }
}
