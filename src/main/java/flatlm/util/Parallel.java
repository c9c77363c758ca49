package flatlm.util;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Index-parallel loops on a pool of a given size; results written by index stay deterministic. */
public final class Parallel {
    private Parallel() {}

    /** Runs body(i) for i in [0, n) on {@code threads} threads (in order on the caller when threads ≤ 1). */
    public static void forEach(int n, int threads, IntConsumer body) {
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
