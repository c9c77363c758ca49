package flatlm.report;

import java.util.Map;

/** Rows of several pre-training seeds and probe sizes for the verdict and learning-curve tests. */
final class SeedRows {
    static final double H = 3.0;
    static final String TASK = "pcfg:A";

    private SeedRows() {}

    /**
     * A model: accuracy in points (std 0.5 points over 5 probe seeds), probe CE = 2 − acc/100 nats (std 0.01),
     * Tr(H) ± 0.2, KL ± 0.0005; saturated when kl &lt; 0.01.
     */
    static ResultRow model(String exp, String run, String variant, long seed, long step, double x, double kl, double trH,
                           double acc, int probeTrain) {
        return ResultRow.builder().model(exp, run, variant).at(seed, step, x).parameters(1000).loss(H + kl, H, kl, 0.0005)
            .saturated(kl < 0.01).trace(trH, 0.2, "fisher", "")
            .probes(probeTrain, Map.of(TASK, new ResultRow.Accuracy(acc / 100, 0.005, 5, 2 - acc / 100, 0.01)), Map.of(TASK, 0.95))
            .checkpoint(exp + "/" + run + "/seed-" + seed + "/step-" + step).build();
    }

    static ResultRow model(String exp, String run, long seed, long step, double x, double kl, double trH, double acc) {
        return model(exp, run, "", seed, step, x, kl, trH, acc, 2000);
    }

    /** The lookup table: no seed, no loss; accuracy in points with {@code std} points over {@code n} probe seeds. */
    static ResultRow lookup(double acc, double std, int n, int probeTrain) {
        return ResultRow.builder().model("algorithms", "lookup", "").trace(Double.NaN, Double.NaN, "", "")
            .probes(probeTrain, Map.of(TASK, new ResultRow.Accuracy(acc / 100, std / 100, n, 2 - acc / 100, 0.01)), Map.of())
            .checkpoint("").build();
    }

    static Report.Context context(java.nio.file.Path out, int probeTrain) {
        return new Report.Context("test", out, java.util.List.of(TASK), 0.01, "PCFG", "./flatlm reproduce", Map.of(), null, null,
            probeTrain);
    }
}
