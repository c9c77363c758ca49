package flatlm.report;

/**
 * One per-layer probe result of a reproduction ({@code measure.probeLayers}): the linear probe on
 * the main task at layer state {@code layer} of one model, with one read, at the main probe
 * training size. A line of {@code probe_layers.csv}.
 *
 * @param experiment experiment of the run (convergence, size, algorithms)
 * @param run        the run's label; its step-0 checkpoint of a run from scratch is the random initialisation
 * @param seed       pre-training seed
 * @param step       checkpoint step (0 = random initialisation)
 * @param kl         exact KL of the model (nats per token), from its main measurement
 * @param read       concat or masked ({@link flatlm.eval.Representation.Read})
 * @param layer      layer state index (0 = embedding output)
 * @param layerName  "embedding", "block 1", "final LayerNorm", ...
 * @param accMean    test accuracy, mean over probe seeds (fraction), with {@code accStd} and {@code accN}
 * @param ceMean     probe test cross-entropy (nats), mean over probe seeds, with {@code ceStd}
 */
public record LayerRow(String experiment, String run, long seed, long step, double kl, String task, String read, int layer,
                       String layerName, int dimension, int probeTrain, double accMean, double accStd, int accN, double ceMean,
                       double ceStd, String checkpoint) {
    /** The same row with another run's labels (a run that shares its training with another). */
    public LayerRow as(String experiment, String run, long seed) {
        return new LayerRow(experiment, run, seed, step, kl, task, read, layer, layerName, dimension, probeTrain, accMean, accStd, accN,
            ceMean, ceStd, checkpoint);
    }

    public static final java.util.List<String> HEADER = java.util.List.of("experiment", "run", "seed", "step", "kl", "task", "read",
        "layer", "layer_name", "dimension", "probe_train", "acc_mean", "acc_std", "acc_n", "probe_ce_mean", "probe_ce_std", "checkpoint");

    /** probe_layers.csv: {@link #HEADER}, one line per row; NaN is empty. */
    public static String csv(java.util.List<LayerRow> rows) {
        StringBuilder s = new StringBuilder(String.join(",", HEADER)).append('\n');
        for (LayerRow r : rows) {
            s.append(String.join(",", r.experiment, r.run, Long.toString(r.seed), Long.toString(r.step), num(r.kl), r.task, r.read,
                Integer.toString(r.layer), r.layerName, Integer.toString(r.dimension), Integer.toString(r.probeTrain), num(r.accMean),
                num(r.accStd), Integer.toString(r.accN), num(r.ceMean), num(r.ceStd), r.checkpoint)).append('\n');
        }
        return s.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(java.util.Locale.ROOT, "%.6g", v) : "";
    }
}
