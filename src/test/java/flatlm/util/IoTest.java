package flatlm.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoTest {
    @Test
    void everyFileSystemExceptionIsOneLineNamingItsFile() {
        assertEquals("no such file or directory: a/b", Io.describe(new NoSuchFileException("a/b")));
        assertEquals("permission denied: a/b", Io.describe(new AccessDeniedException("a/b")));
        assertEquals("a/b already exists", Io.describe(new FileAlreadyExistsException("a/b")));
        assertEquals("a/b is not a directory", Io.describe(new NotDirectoryException("a/b")));
        assertEquals("a/b is a directory that is not empty", Io.describe(new DirectoryNotEmptyException("a/b")));
        assertEquals("a/b: Read-only file system", Io.describe(new FileSystemException("a/b", null, "Read-only file system")));
        assertEquals("a -> b: Invalid cross-device link", Io.describe(new FileSystemException("a", "b", "Invalid cross-device link")));
        // the old mapping printed "a/b: null" for these
        assertEquals("a/b: FileSystemException", Io.describe(new FileSystemException("a/b")));
        assertEquals("a/b: FileSystemException", Io.describe(new FileSystemException("a/b", null, " ")));
    }

    @Test
    void aBareIOExceptionGetsTheFileItWasAbout() {
        IOException full = new IOException("No space left on device"); // what a write on a full disk throws
        assertEquals("I/O error: No space left on device", Io.describe(full), "nothing to name without help");
        IOException named = Io.naming(Path.of("run/metrics.jsonl"), full);
        assertEquals("run/metrics.jsonl: No space left on device", Io.describe(named));
        assertSame(full, named.getCause());
        assertEquals("x/y: IOException", Io.describe(Io.naming(Path.of("x/y"), new IOException())));
        NoSuchFileException already = new NoSuchFileException("inner");
        assertSame(already, Io.naming(Path.of("outer"), already), "a named exception keeps its own, more precise, file");
        FileSystemException unnamed = new FileSystemException(null, null, "Is a directory");
        assertEquals("outer: Is a directory", Io.describe(Io.naming(Path.of("outer"), unnamed)));
    }

    @Test
    void writeStringNamesTheFileOnAFullDisk() {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full), "needs Linux /dev/full");
        IOException e = assertThrows(IOException.class, () -> Io.writeString(full, "x".repeat(1 << 16)));
        assertEquals("/dev/full: No space left on device", Io.describe(e));
    }

    @Test
    void anOutputDirectoryMustNotBeAFile(@TempDir Path tmp) throws Exception {
        Io.requireDirectoryOrAbsent(tmp, "--out");
        Io.requireDirectoryOrAbsent(tmp.resolve("new/deeper"), "--out");
        Path file = Files.writeString(tmp.resolve("f"), "x");
        BadInputException e = assertThrows(BadInputException.class, () -> Io.requireDirectoryOrAbsent(file, "--out"));
        assertEquals("--out " + file + " is a file, not a directory", e.getMessage());
        e = assertThrows(BadInputException.class, () -> Io.requireDirectoryOrAbsent(file.resolve("sub/dir"), "--dir"));
        assertTrue(e.getMessage().startsWith("--dir " + file.resolve("sub/dir") + ": " + file + " is a file"), e.getMessage());
    }

    @Test
    void atomicWritesReplaceTheFileAndLeaveNoTemporaryBehind(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("sub/dir/a.txt");
        Io.writeAtomically(f, "first ü\n");
        assertEquals("first ü\n", Files.readString(f));
        Io.writeAtomically(f, "second");
        assertEquals("second", Files.readString(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(java.util.List.of("a.txt"), s.map(p -> p.getFileName().toString()).toList());
        }
        IOException e = assertThrows(IOException.class, () -> Io.writeAtomically(tmp.resolve("sub"), "x"));
        assertTrue(Io.describe(e).contains("sub"), Io.describe(e));
    }

    @Test
    void aFinishedDirectoryMovesIntoPlaceAndTreesAreDeleted(@TempDir Path tmp) throws IOException {
        Path staging = tmp.resolve(".staging");
        Files.createDirectories(staging.resolve("x/y"));
        Files.writeString(staging.resolve("x/y/z"), "z");
        Path target = tmp.resolve("done");
        Io.moveIntoPlace(staging, target);
        assertTrue(Files.isRegularFile(target.resolve("x/y/z")));
        assertTrue(!Files.exists(staging));
        Io.deleteRecursively(target);
        assertTrue(!Files.exists(target));
        Io.deleteRecursively(target); // absent: nothing to do
    }
}
