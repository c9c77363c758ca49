package flatlm.experiment;

import flatlm.util.BadInputException;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The real Slurm commands (sbatch, squeue, scancel), run as processes; nothing is emulated. */
final class Slurm {
    private Slurm() {}

    /** States after which a task runs no more (squeue -t all shows them for MinJobAge seconds). */
    static final Set<String> TERMINAL = Set.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
        "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT");

    /** One array task as squeue sees it. */
    record Task(String array, int index, String state, String reason) {}

    /** The executable on PATH, or null. */
    static Path which(String command) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    static boolean available() {
        return which("sbatch") != null && which("squeue") != null;
    }

    /** A one-line error where this machine has no Slurm client. */
    static void require() {
        if (which("sbatch") == null)
            throw new BadInputException("--executor slurm: sbatch not found on PATH (no Slurm client on this machine; "
                + "scripts/slurm-local up starts a single-node cluster as root)");
        if (which("squeue") == null) throw new BadInputException("--executor slurm: squeue not found on PATH");
    }

    /** Submits {@code script} with {@code args}; returns the job id ({@code --parsable}). */
    static String sbatch(List<String> args, Path script) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
        cmd.addAll(args);
        cmd.add(script.toString());
        Out o = exec(cmd, 120);
        if (o.code != 0) throw new IOException("sbatch failed (exit " + o.code + "): " + firstLine(o.err.isBlank() ? o.out : o.err));
        String id = o.out.trim().split(";")[0].trim();
        if (!id.matches("[0-9]+")) throw new IOException("sbatch printed no job id: '" + o.out.trim() + "'");
        return id;
    }

    /** Every array task of {@code arrays} squeue still knows (pending, running, or ended less than MinJobAge ago). */
    static List<Task> squeue(Collection<String> arrays) throws IOException, InterruptedException {
        List<Task> out = new ArrayList<>();
        if (arrays.isEmpty()) return out;
        Out o = exec(List.of("squeue", "-h", "-r", "-t", "all", "-o", "%F|%K|%T|%r"), 60);
        if (o.code != 0) throw new IOException("squeue failed (exit " + o.code + "): " + firstLine(o.err));
        for (String line : o.out.split("\n")) {
            String[] f = line.trim().split("\\|", -1);
            if (f.length < 4 || !arrays.contains(f[0]) || !f[1].matches("[0-9]+")) continue;
            out.add(new Task(f[0], Integer.parseInt(f[1]), f[2], f[3]));
        }
        return out;
    }

    static void scancel(String jobId) throws IOException, InterruptedException {
        exec(List.of("scancel", jobId), 60);
    }

    private record Out(int code, String out, String err) {}

    private static Out exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Path err = Files.createTempFile("flatlm-slurm", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(0) + " did not answer in " + timeoutSeconds + " s");
            }
            return new Out(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static String firstLine(String s) {
        return s.strip().lines().findFirst().orElse("");
    }
}
