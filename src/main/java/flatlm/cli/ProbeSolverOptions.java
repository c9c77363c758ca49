package flatlm.cli;

import flatlm.eval.LinearProbe;
import picocli.CommandLine.Option;

/** The linear probe's solver options ({@code probe} and {@code lookup}). */
public final class ProbeSolverOptions {
    @Setting("solver.solver")
    @Option(names = "--solver", paramLabel = "lbfgs|adamw",
        description = "lbfgs: full-batch L-BFGS to the optimum of the convex objective (deterministic, fast); "
            + "adamw: the paper's mini-batch AdamW, lr 1e-3, 100 epochs (default: ${DEFAULT-VALUE}).")
    String solver;

    @Setting("solver.weightDecay")
    @Option(names = "--weight-decay",
        description = "L2 penalty (lambda/2)|W|^2 of the objective, both solvers (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Setting("probe.project")
    @Option(names = "--project", paramLabel = "DIM",
        description = "Gaussian random projection of the features to DIM dimensions (the paper: 512); 0 = none (default: ${DEFAULT-VALUE}).")
    int project;

    @Setting("solver.maxIterations")
    @Option(names = "--max-iterations", description = "L-BFGS iterations at most (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Setting("solver.lr")
    @Option(names = "--lr", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Setting("solver.epochs")
    @Option(names = "--epochs", description = "AdamW epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Setting("solver.batchSize")
    @Option(names = "--batch-size", description = "AdamW batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    LinearProbe.Options options() {
        return new LinearProbe.Options(LinearProbe.Solver.parse(solver), weightDecay, maxIterations, lr, epochs, batchSize);
    }
}
