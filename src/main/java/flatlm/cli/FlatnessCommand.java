package flatlm.cli;

import flatlm.flatness.Budget;
import flatlm.flatness.Estimate;
import flatlm.flatness.Flatness;
import flatlm.flatness.Labels;
import flatlm.flatness.ParameterSelection;
import flatlm.flatness.TopEigenvalue;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import flatlm.util.Io;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code flatlm flatness}: trace of the Hessian (and top eigenvalue) of the pre-training loss at checkpoints. */
@Command(name = "flatness", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Flatness of checkpoints: trace of the Hessian of the single-mask pre-training loss of the checkpoint's "
        + "language, with a standard error, stopping at a relative standard error or a budget.",
        "Estimators: fisher (the paper's App. B.1: E_x E_{y~model} ||grad log p(y|x)||^2, batched with Rademacher signs; "
            + "equals Tr(H) at saturation), fisher-per-sample (the same, one backward pass per sample: the reference), "
            + "hutchinson (v^T H v, Rademacher v, double back-propagation, on the exact expected loss), "
            + "top-eig (largest eigenvalue of H by Lanczos or power iteration).",
        "Examples:",
        "  flatlm flatness --checkpoint runs/hmm-small --estimator fisher,hutchinson",
        "  flatlm flatness --checkpoints runs/hmm-small --estimator fisher --csv flatness.csv"})
public final class FlatnessCommand implements Callable<Integer> {
    static final class Target {
        @Option(names = "--checkpoint", paramLabel = "CKPT",
            description = "A checkpoint directory, its model.safetensors, or a run directory (its latest checkpoint).")
        Path checkpoint;

        @Option(names = "--checkpoints", paramLabel = "RUN_DIR", description = "Every checkpoint of a run (a trajectory), oldest first.")
        Path run;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Setting("measure.flatness")
    @Option(names = "--estimator", split = ",", paramLabel = "NAME",
        description = "fisher, fisher-per-sample, hutchinson, top-eig; several separated by commas (default: ${DEFAULT-VALUE}).")
    List<String> estimators;

    @Setting("flatness.budget.relStderr")
    @Option(names = "--rel-stderr",
        description = "Stop at this relative standard error (default: ${DEFAULT-VALUE}; 0: run to --max-samples).")
    double relStderr;

    @Setting("flatness.budget.minSamples")
    @Option(names = "--min-samples", description = "Samples before the relative standard error may stop (default: ${DEFAULT-VALUE}).")
    long minSamples;

    @Setting("flatness.budget.maxSamples")
    @Option(names = "--max-samples",
        description = "Stop after this many samples (top-eig: contexts) (default: ${DEFAULT-VALUE}).")
    long maxSamples;

    @Setting("flatness.budget.maxSeconds")
    @Option(names = "--max-seconds",
        description = "Stop after this many seconds per estimate (default: ${DEFAULT-VALUE}, no limit: the same estimate on every machine). An indefinite "
            + "Hessian (a model far from a minimum) can need 100x more Hutchinson probes than a trained one.")
    double maxSeconds;

    @Option(names = "--batch", paramLabel = "B",
        description = "Contexts per sample of fisher (default " + Flatness.Options.FISHER_BATCH + ") and hutchinson (default "
            + Flatness.Options.HUTCHINSON_BATCH + ").")
    Integer batch;

    @Setting("flatness.labels")
    @Option(names = "--labels",
        description = "hutchinson/top-eig loss: exact (expected loss under the true conditional, no label noise) or data "
            + "(sampled words) (default: ${DEFAULT-VALUE}).")
    String labels;

    @Option(names = "--exclude", split = ",", paramLabel = "NAME",
        description = "Parameters left out, by name or dotted prefix (e.g. head.bias, as the paper's authors; blocks.0).")
    List<String> exclude = new ArrayList<>();

    @Setting("flatness.eigMethod")
    @Option(names = "--eig-method", description = "top-eig: lanczos or power (default: ${DEFAULT-VALUE}).")
    String eigMethod;

    @Setting("flatness.eigContexts")
    @Option(names = "--eig-contexts",
        description = "top-eig: contexts of the first round, doubled until --rel-stderr or --max-samples (default: ${DEFAULT-VALUE}).")
    int eigContexts;

    @Setting("flatness.eigTolerance")
    @Option(names = "--eig-tolerance",
        description = "top-eig: Lanczos residual / power-iteration relative change at convergence (default: ${DEFAULT-VALUE}).")
    double eigTolerance;

    @Setting("flatness.eigIterations")
    @Option(names = "--eig-iterations", description = "top-eig: maximum iterations (default: ${DEFAULT-VALUE}).")
    int eigIterations;

    @Setting("flatness.seed")
    @Option(names = "--seed",
        description = "Seed of sentences, masks, labels and probes; the same for every checkpoint (default: ${DEFAULT-VALUE}).")
    long seed;

    @Setting("train.threads")
    @Option(names = "--threads", description = "libtorch threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print one JSON object per checkpoint and estimator.")
    boolean json;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the results as CSV.")
    Path csv;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    static final List<String> CSV_COLUMNS = List.of("checkpoint", "step", "estimator", "value", "stderr", "rel_stderr",
        "samples", "contexts", "passes", "seconds", "stop", "parameters", "batch", "labels", "converged", "iterations", "residual");

    @Override
    public Integer call() throws Exception {
        if (threads < 1) throw new BadInputException("--threads must be >= 1, got " + threads);
        List<Flatness.Estimator> which = new ArrayList<>();
        for (String e : estimators) which.add(Flatness.Estimator.parse(e));
        Budget budget = new Budget(relStderr, Math.min(minSamples, maxSamples), maxSamples, maxSeconds);
        Labels parsedLabels = Labels.parse(labels);
        TopEigenvalue.Method method = TopEigenvalue.Method.parse(eigMethod);
        Flatness.Options options = Flatness.Options.defaults().with(o -> {
            o.budget = budget;
            if (batch != null) o.fisherBatch = o.hutchinsonBatch = batch;
            o.labels = parsedLabels;
            o.selection = exclude.isEmpty() ? ParameterSelection.all() : ParameterSelection.excluding(exclude);
            o.seed = seed;
            o.eigContexts = eigContexts;
            o.eigGroups = Math.min(8, Math.max(2, eigContexts));
            o.eigMethod = method;
            o.eigTolerance = eigTolerance;
            o.eigIterations = eigIterations;
        });
        Torch.setThreads(threads);

        List<Path> checkpoints;
        List<String> refused = new ArrayList<>();
        if (target.run != null) {
            if (!Files.isDirectory(target.run)) throw new BadInputException(target.run + ": not a run directory");
            checkpoints = flatlm.train.CheckpointSweep.verified(target.run, refused);
        } else {
            checkpoints = List.of(target.checkpoint);
        }

        List<Map<String, Object>> rows = new ArrayList<>();
        boolean header = false;
        for (Path path : checkpoints) {
            Flatness.Loaded c = Flatness.load(path);
            options.selection().select(c.model()); // bad --exclude: an error before any progress bar
            for (Flatness.Estimator est : which) {
                Estimate e = measure(c, est, options);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("checkpoint", c.path().toString());
                row.put("step", c.step());
                row.putAll(e.toMap());
                rows.add(row);
                if (json) {
                    System.out.println(Configs.toJsonLine(row));
                } else {
                    if (!header) {
                        System.out.printf("%-9s %-18s %12s %11s %6s %8s %9s %8s %8s  %s%n", "step", "estimator", "estimate",
                            "stderr", "rel", "samples", "contexts", "passes", "seconds", "stop");
                        header = true;
                    }
                    System.out.printf("%-9s %-18s %12.5g %11.3g %5.1f%% %8d %9d %8d %8.1f  %s%n",
                        c.step() < 0 ? "-" : Long.toString(c.step()), e.estimator(), e.value(), e.stderr(), 100 * e.relStderr(),
                        e.samples(), e.contexts(), e.passes(), e.seconds(), e.stop());
                }
                System.out.flush();
            }
        }
        if (!json) {
            System.out.printf("parameters: %d (%s); labels for hutchinson/top-eig: %s; seed %d%n",
                rows.isEmpty() ? 0 : (Long) rows.get(0).get("parameters"), options.selection(), options.labels().cliName(), seed);
        }
        if (csv != null) writeCsv(csv, rows);
        return CheckpointEvalCommand.refusedExit(refused);
    }

    private Estimate measure(Flatness.Loaded c, Flatness.Estimator est, Flatness.Options options) {
        if (quiet) return Flatness.measure(c.model(), c.language(), est, options, null);
        String task = (c.step() >= 0 ? "step " + c.step() + " " : "") + est.cliName();
        try (ProgressBar bar = ProgressBars.create(task, -1, est == Flatness.Estimator.TOP_EIG ? " contexts" : " samples")) {
            return Flatness.measure(c.model(), c.language(), est, options, (n, mean, se) -> {
                bar.stepTo(n);
                bar.setExtraMessage(String.format(" %.4g ± %.2g", mean, se));
            });
        }
    }

    static void writeCsv(Path file, List<Map<String, Object>> rows) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        StringBuilder w = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (Map<String, Object> r : rows) {
            List<String> cells = new ArrayList<>();
            for (String col : CSV_COLUMNS) {
                Object v = r.get(col);
                String s = v == null ? "" : v.toString();
                if (s.contains(",") || s.contains("\"")) s = "\"" + s.replace("\"", "\"\"") + "\"";
                cells.add(s);
            }
            w.append(String.join(",", cells)).append('\n');
        }
        Io.writeString(file, w.toString()); // a PrintWriter would drop a write error (a full disk) without a word
    }
}
