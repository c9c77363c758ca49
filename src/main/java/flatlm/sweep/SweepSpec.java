package flatlm.sweep;

import flatlm.exec.slurm.SlurmOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep file ({@code flatlm sweep SWEEP.yaml}), as written; {@link SweepResolver} turns it into
 * a {@link SweepPlan}. Example ({@code experiments/sweeps/tiny-lr-seed.yaml}):
 * <pre>
 * name: tiny-lr-seed
 * preset: tiny                 # language, train keys and measure settings of a preset (optional)
 * config: base.yaml            # a pretrain config file over them (optional, relative to this file)
 * train: {steps: 300}          # pretrain keys over both
 * grid:                        # every combination; keys as in 'flatlm pretrain --print-config'
 *   optimizer.lr: [1.0e-3, 3.0e-3]
 *   seed: [1, 2]               # the pre-training seed, as in reproduce
 * list:                        # and/or explicit override sets, each crossed with the grid
 *   - {model.d: 16, model.heads: 1}
 * measure: {tasks: ["hmm:3"], probeTrain: 200, flatness: fisher}   # keys of a preset's measure; flatness none: no Tr(H)
 * checkpoints: last            # or all
 * continuations:               # more stages, each from the last checkpoint of every run of a stage
 *   sgd: {from: main, train: {steps: 100, optimizer: {name: sgd, lr: 0.05}}}
 * slurm: {partition: main, time: "00:10:00", cpusPerTask: 1, mem: 2G, parallelism: 4, extra: ["--qos=short"]}
 * </pre>
 */
public final class SweepSpec {
    public String name;
    public String description = "";
    /** A preset name or plan file: the language, {@code train} and {@code measure} of its runs. */
    public String preset;
    /** A pretrain config file (keys of {@code flatlm pretrain --print-config}), relative to the sweep file. */
    public String config;
    /** Pretrain keys over the preset and the config (dotted keys allowed). */
    public ObjectNode train;
    /** Dotted pretrain key (or {@code seed}) → the list of its values; every combination is a run. */
    public Map<String, JsonNode> grid = new LinkedHashMap<>();
    /** Override sets (dotted keys → values), each crossed with the grid. */
    public List<ObjectNode> list;
    /** Keys of {@link ExperimentPlan.Measure} over the preset's; {@code tasks: []} probes nothing, {@code flatness: none} skips Tr(H). */
    public ObjectNode measure;
    /** Which checkpoints of each run are measured: last or all. */
    public String checkpoints = "last";
    /** A checkpoint is saturated below this exact KL (nats); default: the preset's, else 0.01. */
    public Double saturationKl;
    /** Stage name → a continuation of every run of stage {@code from} (main, or a continuation declared above). */
    public Map<String, Continuation> continuations = new LinkedHashMap<>();
    public SlurmOptions slurm = new SlurmOptions();

    public static final class Continuation {
        public String from = "main";
        /** Pretrain keys of the continuation over the base and the run's own swept values (not over its parent stage's train). */
        public ObjectNode train;
    }
}
