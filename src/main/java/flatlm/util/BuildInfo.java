package flatlm.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The code a result was computed with: the git commit of this build ({@code flatlm-git.properties},
 * written by the git-commit-id plugin at build time), with "-dirty" when the working tree had
 * uncommitted changes, or "unknown" for a build outside git. Recorded beside results, never part
 * of a cache key (a new commit that changes nothing must not invalidate finished runs; a change
 * that does change results bumps {@code Provenance.FORMAT}).
 */
public final class BuildInfo {
    private static final String COMMIT = read();

    private BuildInfo() {}

    public static String commit() {
        return COMMIT;
    }

    private static String read() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/flatlm-git.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String id = p.getProperty("git.commit.id", "");
            if (id.isBlank()) return "unknown";
            return id + ("true".equals(p.getProperty("git.dirty")) ? "-dirty" : "");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
