package flatlm.report;

import java.util.Locale;

/**
 * The reproduction's experiments. {@link #id} is the name written in results.csv's
 * {@code experiment} column, run directories ({@code runs/EXPERIMENT-LABEL-...}), the plan's keys
 * and the report's sections; a sweep's runs carry the sweep's name instead, so
 * {@code ResultRow.experiment()} and {@code RunSpec.experiment()} stay strings.
 */
public enum Experiment {
    CONVERGENCE, SIZE, ALGORITHMS, PRUNING, NOISE, DYCK;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether {@code experiment} (a row's or run's) names this one. */
    public boolean is(String experiment) {
        return id().equals(experiment);
    }
}
