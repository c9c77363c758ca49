package flatlm.exec.slurm;

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
public final class Slurm {
    private Slurm() {}

    /** States after which a task runs no more (squeue -t all shows them for MinJobAge seconds). */
    public static final Set<String> TERMINAL = Set.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
        "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT");

    /** sbatch answered and submitted nothing (a hung sbatch may have submitted: that is another IOException). */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /** One array task as squeue sees it. */
    public record Task(String array, int index, String state, String reason) {}

    /** The executable on PATH, or null. */
    public static Path which(String command) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** A one-line error where this machine has no Slurm client. */
    public static void require() {
        if (which("sbatch") == null)
            throw new BadInputException("--executor slurm: sbatch not found on PATH (no Slurm client on this machine; "
                + "scripts/slurm-local up starts a single-node cluster as root)");
        if (which("squeue") == null) throw new BadInputException("--executor slurm: squeue not found on PATH");
        String why = notAnswering();
        if (why != null) throw new BadInputException("--executor slurm: the Slurm cluster does not answer (" + why
            + "; sinfo tells; scripts/slurm-local up starts a single-node cluster as root)");
    }

    /**
     * A one-line error where the cluster refuses the options ({@code --partition}, {@code --time},
     * {@code --mem}, extra lines): {@code sbatch --test-only} on a script of them, which submits
     * nothing, before a sweep or reproduction writes anything.
     */
    public static void testOptions(List<String> sbatchLines) {
        Path script = null;
        try {
            script = Files.createTempFile("flatlm-test-only", ".sh");
            Files.writeString(script, "#!/bin/bash\n" + String.join("\n", sbatchLines) + "\ntrue\n", StandardCharsets.UTF_8);
            Out o = exec(List.of("sbatch", "--test-only", script.toString()), 60);
            if (o.code != 0) throw new BadInputException("--executor slurm: sbatch refuses these options (" + String.join(" ",
                sbatchLines).replace("#SBATCH ", "") + "): " + firstLine(o.err.isBlank() ? o.out : o.err));
        } catch (IOException e) {
            throw new BadInputException("--executor slurm: sbatch --test-only: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadInputException("--executor slurm: interrupted");
        } finally {
            if (script != null) script.toFile().delete();
        }
    }

    /**
     * Null when the controller answers {@code sinfo} (within 15 s, or flatlm.slurm.timeout), else
     * why not; null too where there is no sinfo to ask (sbatch will tell).
     */
    static String notAnswering() {
        if (which("sinfo") == null) return null;
        try {
            Out o = exec(List.of("sinfo", "-h", "-o", "%P"), 15);
            return o.code == 0 ? null : "sinfo failed (exit " + o.code + "): " + firstLine(o.err.isBlank() ? o.out : o.err);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Submits {@code script} with {@code args}; returns the job id ({@code --parsable}). */
    static String sbatch(List<String> args, Path script) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
        cmd.addAll(args);
        cmd.add(script.toString());
        Out o = exec(cmd, 120);
        if (o.code != 0) throw new Refused("sbatch failed (exit " + o.code + "): " + firstLine(o.err.isBlank() ? o.out : o.err));
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

    /**
     * The limit on one Slurm command: {@code defaultSeconds}, or the system property
     * {@code flatlm.slurm.timeout} (seconds; tests set a short one).
     */
    static double timeoutSeconds(double defaultSeconds) {
        String s = System.getProperty("flatlm.slurm.timeout");
        if (s == null) return defaultSeconds;
        try {
            double t = Double.parseDouble(s.strip());
            if (t > 0 && Double.isFinite(t)) return t;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new BadInputException("-Dflatlm.slurm.timeout must be a positive number of seconds, got '" + s + "'");
    }

    /**
     * Runs {@code cmd} with its output and errors going to files (a pipe read before waiting would
     * block for as long as the command hangs); past the limit, the command and everything it
     * started are destroyed and the error is one line.
     */
    static Out exec(List<String> cmd, double defaultTimeoutSeconds) throws IOException, InterruptedException {
        double timeout = timeoutSeconds(defaultTimeoutSeconds);
        Path out = Files.createTempFile("flatlm-slurm", ".out");
        Path err = Files.createTempFile("flatlm-slurm", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(Math.round(timeout * 1000), TimeUnit.MILLISECONDS)) {
                destroyTree(p);
                throw new IOException(cmd.get(0) + " did not answer in " + fmt(timeout) + " s");
            }
            return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Kills {@code p} and its descendants (a wrapper script's children would outlive it). */
    private static void destroyTree(Process p) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        p.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(5, TimeUnit.SECONDS);
    }

    private static String fmt(double seconds) {
        return seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
    }

    private static String firstLine(String s) {
        return s.strip().lines().findFirst().orElse("");
    }
}
