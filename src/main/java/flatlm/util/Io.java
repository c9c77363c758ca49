package flatlm.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * File errors that name their file. The JDK's {@link FileSystemException}s carry the path, but
 * a failed read or write on an open stream ({@code No space left on device}, {@code Is a
 * directory}) is a bare {@link IOException} that names nothing: {@link #naming} attaches the
 * path where it is known, and {@link #describe} is the one line the CLI prints for any of them.
 */
public final class Io {
    private Io() {}

    /** One line for an I/O error, naming the file (and the other file of a move) whenever the exception has it. */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException fs && fs.getFile() != null) {
            String file = fs.getFile() + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile());
            if (e instanceof NoSuchFileException) return "no such file or directory: " + file;
            if (e instanceof AccessDeniedException) return "permission denied: " + file;
            if (e instanceof FileAlreadyExistsException) return file + " already exists";
            if (e instanceof NotDirectoryException) return file + " is not a directory";
            if (e instanceof DirectoryNotEmptyException) return file + " is a directory that is not empty";
            return file + ": " + reason(e);
        }
        return "I/O error: " + reason(e);
    }

    /** What went wrong, without the path: the OS's reason, or the exception's kind when it gives none. */
    public static String reason(IOException e) {
        String r = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
        return r == null || r.isBlank() ? e.getClass().getSimpleName() : r;
    }

    /** {@code e} if it already names a file; else a {@link FileSystemException} naming {@code file}, caused by {@code e}. */
    public static IOException naming(Path file, IOException e) {
        if (e instanceof FileSystemException fs && fs.getFile() != null) return e;
        FileSystemException named = new FileSystemException(file.toString(), null, reason(e));
        named.initCause(e);
        return named;
    }

    /** {@link Files#writeString} in UTF-8, with the file named in any error (e.g. a full disk). */
    public static void writeString(Path file, String text) throws IOException {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw naming(file, e);
        }
    }

    /** {@link #writeAtomically(Path, byte[])} of {@code text} in UTF-8. */
    public static void writeAtomically(Path file, String text) throws IOException {
        writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code bytes} to {@code file} (its directory created if needed) through a temporary
     * sibling and an atomic rename: a reader sees the old file or the new one, never half of one.
     */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes);
            replace(tmp, file);
        } catch (IOException e) {
            throw naming(file, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Moves the finished temporary file {@code tmp} over {@code target} (replacing it), atomically
     * where the file system allows: a reader sees the old file or the new one.
     */
    public static void replace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Renames the finished directory (or file) {@code tmp} to {@code target}, atomically where the
     * file system allows, so that a half-written corpus or checkpoint never stands under its name.
     */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target);
        }
    }

    /** Deletes {@code p} and, if it is a directory, everything below it; nothing when it is absent. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        List<Path> all;
        try (Stream<Path> walk = Files.walk(p)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path q : all) Files.delete(q);
    }

    /**
     * Fails with a one-line error naming {@code flag} unless {@code dir} is absent (it will be
     * created) or a directory; checked before any work, so a long computation is not lost.
     */
    public static void requireDirectoryOrAbsent(Path dir, String flag) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException(flag + " " + dir + " is a file, not a directory");
        }
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) break;
            if (Files.exists(p)) throw new BadInputException(flag + " " + dir + ": " + p + " is a file, not a directory");
        }
    }
}
