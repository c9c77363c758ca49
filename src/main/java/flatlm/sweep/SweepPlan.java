package flatlm.sweep;

import flatlm.experiment.ExperimentPlan;
import flatlm.exec.slurm.SlurmOptions;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A sweep resolved and validated ({@link SweepResolver}): the base pretrain layers with the
 * preset and config file inlined, the points of the grid and list, the stages, how runs are
 * measured. Written to {@code OUT/sweep.json}; Slurm tasks rebuild the same runs from it, so the
 * sweep file (or the preset) changing later cannot change what a submitted task computes.
 */
public final class SweepPlan {
    public String name;
    public String description = "";
    /** The sweep file it came from (in messages and the report). */
    public String source;
    /** Pretrain-key layers under every run: the preset's language and train, the config file, train. */
    public List<ObjectNode> base = new ArrayList<>();
    public ExperimentPlan.Measure measure = new ExperimentPlan.Measure();
    public double saturationKl = 0.01;
    /** last or all. */
    public String checkpoints = "last";
    /** The swept keys (dotted; {@code seed} when seeds are swept), in file order: the columns of sweep.csv. */
    public List<String> keys = new ArrayList<>();
    public List<Point> points = new ArrayList<>();
    /** The stages: main first, then the continuations. */
    public List<Stage> stages = new ArrayList<>();
    public SlurmOptions slurm = new SlurmOptions();

    /** One point of the sweep: its run label, pre-training seed, swept values and the pretrain layer they make. */
    public static final class Point {
        public String label;
        public long seed;
        /** Swept key → value (seed included when swept). */
        public ObjectNode values;
        /** The pretrain layer of these values (nested keys, seed excluded). */
        public ObjectNode overrides;
    }

    /** A stage: {@code main} (from scratch) or a continuation of stage {@code from}. */
    public static final class Stage {
        public String name;
        /** null for main. */
        public String from;
        public ObjectNode train;
    }

    public Stage stage(String name) {
        for (Stage s : stages) if (s.name.equals(name)) return s;
        return null;
    }
}
