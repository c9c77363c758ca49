package flatlm.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files and streams: the one home of the checksums of corpora, checkpoints and generator files. */
public class Checksums {
    protected Checksums() {}

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The first 10 hex digits of SHA-256 of {@code text} in UTF-8: run hashes, reuse keys, job marker names. */
    public static String shortHash(String text) {
        MessageDigest md = sha256();
        md.update(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return hex(md).substring(0, 10);
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return hex(md);
    }
}
