package flatlm.cli;

import flatlm.eval.LinearProbe;
import picocli.CommandLine.Option;

/** The linear probe's solver options ({@code probe} and {@code lookup}). */
public final class ProbeSolverOptions {
    @Option(names = "--solver", defaultValue = "lbfgs", paramLabel = "lbfgs|adamw",
        description = "lbfgs: full-batch L-BFGS to the optimum of the convex objective (deterministic, fast); "
            + "adamw: the paper's mini-batch AdamW, lr 1e-3, 100 epochs (default: ${DEFAULT-VALUE}).")
    String solver;

    @Option(names = "--weight-decay", defaultValue = "1e-2",
        description = "L2 penalty (lambda/2)|W|^2 of the objective, both solvers (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--project", defaultValue = "0", paramLabel = "DIM",
        description = "Gaussian random projection of the features to DIM dimensions (the paper: 512); 0 = none (default: ${DEFAULT-VALUE}).")
    int project;

    @Option(names = "--max-iterations", defaultValue = "1000", description = "L-BFGS iterations at most (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--lr", defaultValue = "1e-3", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--epochs", defaultValue = "100", description = "AdamW epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "AdamW batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    LinearProbe.Options options() {
        return new LinearProbe.Options(LinearProbe.Solver.parse(solver), weightDecay, maxIterations, lr, epochs, batchSize);
    }
}
