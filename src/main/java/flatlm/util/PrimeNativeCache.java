package flatlm.util;

import org.bytedeco.javacpp.Loader;

import java.io.File;

/**
 * Extracts the native libraries of openblas and libtorch into the JavaCPP cache without loading
 * them. Run in a JVM of its own (the build and the launcher do) before any JVM loads libtorch:
 * a first load from an empty cache can crash with SIGSEGV in pthread_mutex_lock.
 */
public final class PrimeNativeCache {
    private static final String[] RESOURCES = {
        "/org/bytedeco/javacpp/linux-x86_64/",
        "/org/bytedeco/openblas/linux-x86_64/",
        "/org/bytedeco/pytorch/linux-x86_64/",
    };

    private PrimeNativeCache() {}

    public static void main(String[] args) throws Exception {
        int files = 0;
        for (String resource : RESOURCES) {
            File[] cached = Loader.cacheResources(PrimeNativeCache.class, resource);
            files += cached == null ? 0 : cached.length;
        }
        System.err.println("flatlm: native cache ready (" + files + " entries under " + Loader.getCacheDir() + ")");
    }
}
