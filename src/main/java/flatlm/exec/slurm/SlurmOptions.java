package flatlm.exec.slurm;

import flatlm.util.BadInputException;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@link SlurmExecutor} submits: the {@code slurm:} block of a sweep file, or the flags of
 * {@code sweep}/{@code reproduce} (flags win). Null means "leave it to the cluster's default".
 * Not part of any run's identity.
 */
public final class SlurmOptions {
    /** {@code --partition}. */
    public String partition;
    /** {@code --time} per task, e.g. 00:30:00. */
    public String time;
    /** {@code --cpus-per-task}. */
    public Integer cpusPerTask;
    /** {@code --mem} per task, e.g. 4G. */
    public String mem;
    /** {@code --gpus-per-task}. */
    public Integer gpusPerTask;
    /** At most this many tasks of one array at once ({@code --array=0-N%P}); null = no limit. */
    public Integer parallelism;
    /** More batch-script lines, e.g. "#SBATCH --qos=long" or "--account=lab" (the #SBATCH is added). */
    public List<String> extra = new ArrayList<>();
    /** Seconds between two looks at squeue. */
    public double poll = 2;
    /**
     * The flatlm command on the compute nodes (e.g. /shared/flatlm/flatlm); default: this very
     * Java and class path (fine when the nodes share this filesystem).
     */
    public String command;

    /** These options with every value {@code o} sets replacing this one's. */
    public SlurmOptions overriddenBy(SlurmOptions o) {
        SlurmOptions r = new SlurmOptions();
        r.partition = o.partition != null ? o.partition : partition;
        r.time = o.time != null ? o.time : time;
        r.cpusPerTask = o.cpusPerTask != null ? o.cpusPerTask : cpusPerTask;
        r.mem = o.mem != null ? o.mem : mem;
        r.gpusPerTask = o.gpusPerTask != null ? o.gpusPerTask : gpusPerTask;
        r.parallelism = o.parallelism != null ? o.parallelism : parallelism;
        r.extra = new ArrayList<>(extra);
        r.extra.addAll(o.extra);
        r.poll = o.poll != new SlurmOptions().poll ? o.poll : poll;
        r.command = o.command != null ? o.command : command;
        return r;
    }

    public SlurmOptions validate(String source) {
        if (cpusPerTask != null && cpusPerTask < 1) throw new BadInputException(source + ": slurm cpusPerTask must be at least 1");
        if (gpusPerTask != null && gpusPerTask < 0) throw new BadInputException(source + ": slurm gpusPerTask must be >= 0");
        if (parallelism != null && parallelism < 1) throw new BadInputException(source + ": slurm parallelism must be at least 1");
        if (!(poll > 0)) throw new BadInputException(source + ": slurm poll must be positive (seconds)");
        for (String s : List.of(partition == null ? "" : partition, time == null ? "" : time, mem == null ? "" : mem))
            if (s.contains("\n")) throw new BadInputException(source + ": slurm options must be one line each");
        for (String s : extra)
            if (s.contains("\n")) throw new BadInputException(source + ": slurm extra lines must be one line each: '" + s + "'");
        return this;
    }

    /** The #SBATCH lines of a batch script (besides the array, output and job name). */
    public List<String> sbatchLines() {
        List<String> l = new ArrayList<>();
        if (partition != null) l.add("#SBATCH --partition=" + partition);
        if (time != null) l.add("#SBATCH --time=" + time);
        if (cpusPerTask != null) l.add("#SBATCH --cpus-per-task=" + cpusPerTask);
        if (mem != null) l.add("#SBATCH --mem=" + mem);
        if (gpusPerTask != null && gpusPerTask > 0) l.add("#SBATCH --gpus-per-task=" + gpusPerTask);
        for (String e : extra) l.add(e.startsWith("#SBATCH") ? e : "#SBATCH " + e);
        return l;
    }
}
