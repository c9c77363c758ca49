package flatlm.cli;

import flatlm.dyck.DyckExperiment;
import flatlm.dyck.DyckInputs;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import flatlm.util.Io;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code flatlm dyck}: experiment 4, the Dyck-language theorem of the paper's Section 6. */
@Command(name = "dyck", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"The Dyck-language theorem (paper Section 6) as an experiment: transferable and random-feature "
        + "solutions of the one-layer transformer with zero MLM loss, their exact Tr(H) and downstream sample "
        + "complexity, and SGD trajectories (with and without label noise). Writes dyck.md, dyck.json, CSVs and "
        + "PNG/SVG plots into --out.",
        "Example: flatlm dyck --n 8 --out runs/dyck"})
public final class DyckCommand implements Callable<Integer> {
    @Setting("dyck.n")
    @Option(names = "--n", description = "Sentence length (even, 2..12; random features need n <= 10; default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--out", defaultValue = "runs/dyck", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Setting("dyck.support")
    @Option(names = "--support", description = "Pre-training sentences: equal-count (the "
        + "paper's variant: as many '(' as ')') or dyck (proper Dyck words; the former names equal-counts and prefix-balanced are accepted) (default: ${DEFAULT-VALUE}).")
    String support;

    @Setting("dyck.widths")
    @Option(names = "--widths", split = ",", description = "Random-feature widths m, or 'none' (default: ${DEFAULT-VALUE}; "
        + "need m >= the number of masked inputs to fit them all).")
    List<String> widths;

    @Setting("dyck.samples")
    @Option(names = "--samples", split = ",", description = "Downstream sample sizes N (default: ${DEFAULT-VALUE}).")
    List<Integer> samples;

    @Setting("dyck.probeSeeds")
    @Option(names = "--probe-seeds", description = "Draws of the N samples per size (default: ${DEFAULT-VALUE}).")
    int probeSeeds;

    @Setting("dyck.seed")
    @Option(names = "--seed", description = "Seed of everything random (default: ${DEFAULT-VALUE}).")
    long seed;

    @Setting("dyck.sgdWidth")
    @Option(names = "--sgd-width", description = "Neurons of the SGD-trained model (default: ${DEFAULT-VALUE}).")
    int sgdWidth;

    @Setting("dyck.sgdInitScale")
    @Option(names = "--init-scale", description = "SGD initialisation: entries N(0, s²/fan-in) (default: ${DEFAULT-VALUE}).")
    double initScale;

    @Setting("dyck.sgdLr")
    @Option(names = "--lr", description = "SGD learning rate, constant (default: ${DEFAULT-VALUE}).")
    double lr;

    @Setting("dyck.sgdBatch")
    @Option(names = "--batch", description = "SGD batch size, fresh samples every step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Setting("dyck.sgdSteps")
    @Option(names = "--sgd-steps", description = "SGD steps per run; 0 skips SGD (default: ${DEFAULT-VALUE}).")
    int sgdSteps;

    @Setting("dyck.sgdEvalEvery")
    @Option(names = "--eval-every", description = "Steps between exact evaluations (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Setting("dyck.labelNoise")
    @Option(names = "--label-noise", description = "σ of the Gaussian noise added to the targets in the "
        + "second SGD run; 0 runs only the noise-free one (default: ${DEFAULT-VALUE}).")
    double labelNoise;

    @Setting("dyck.noiseFreeTail")
    @Option(names = "--noise-free-tail", description = "Last steps of the label-noise run without "
        + "noise, to land on the zero-loss manifold (default: ${DEFAULT-VALUE}).")
    int noiseFreeTail;

    @Setting("dyck.sgdProbeSamples")
    @Option(names = "--sgd-probe-samples", split = ",", description = "Downstream N evaluated along SGD (default: ${DEFAULT-VALUE}).")
    List<Integer> sgdProbeSamples;

    @Setting("dyck.denseCheckMaxParams")
    @Option(names = "--dense-check-max-params", description = "Cross-check the closed-form trace "
        + "entry by entry on models with at most this many parameters (default: ${DEFAULT-VALUE}).")
    int denseCheckMaxParams;

    @Option(names = "--no-plots", description = "Skip the PNG/SVG plots.")
    boolean noPlots;

    @Option(names = "--json", description = "Print a JSON summary instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Io.requireDirectoryOrAbsent(out, "--out");
        DyckExperiment.Options o = new DyckExperiment.Options(n, flatlm.lang.dyck.Dyck.Support.parse(support),
            widths(widths), ints(samples), probeSeeds, seed, sgdWidth, initScale, lr, batch,
            sgdSteps, evalEvery, labelNoise, noiseFreeTail, ints(sgdProbeSamples),
            denseCheckMaxParams, !noPlots);
        DyckExperiment.Result r;
        try {
            r = DyckExperiment.run(o, out);
        } catch (IOException e) {
            throw Io.naming(out, e); // e.g. a full disk: at least the directory being written
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("out", out.toString());
            m.put("traceLowerBound", r.traceBound());
            Map<String, Object> sols = new LinkedHashMap<>();
            for (DyckExperiment.Solution s : r.solutions()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("width", s.width());
                x.put("mlmLoss", s.loss());
                x.put("trace", s.trace());
                Map<String, Object> d = new LinkedHashMap<>();
                for (var st : s.downstream()) d.put(Integer.toString(st.samples()), st.mean());
                x.put("downstream", d);
                sols.put(s.id(), x);
            }
            m.put("solutions", sols);
            m.put("seconds", r.seconds());
            System.out.println(Configs.toJsonLine(m));
        } else {
            System.out.printf(Locale.ROOT, "%-34s %6s %10s %10s %10s %10s%n", "solution", "m", "MLM loss", "Tr(H)",
                "err N=" + o.samples()[0], "err N=" + o.samples()[o.samples().length - 1]);
            System.out.printf(Locale.ROOT, "%-34s %6s %10s %10.4f%n", "(lower bound, flattest)", "", "0", r.traceBound());
            for (DyckExperiment.Solution s : r.solutions()) {
                System.out.printf(Locale.ROOT, "%-34s %6d %10.2e %10.4f %10.3g %10.3g%n", s.id(), s.width(), s.loss(), s.trace(),
                    s.downstream()[0].mean(), s.downstream()[s.downstream().length - 1].mean());
            }
            System.out.printf(Locale.ROOT, "wrote %s (%.1f s)%n", out.resolve("dyck.md"), r.seconds());
        }
        return 0;
    }

    /** The --widths list (its default is the experiment's, from {@link Defaults}); 'none' = no random features. */
    static int[] widths(List<String> given) {
        if (given.size() == 1 && given.get(0).equalsIgnoreCase("none")) return new int[0];
        int[] out = new int[given.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = Integer.parseInt(given.get(i).trim());
            } catch (NumberFormatException e) {
                throw new BadInputException("--widths: '" + given.get(i) + "' is not an integer (or give 'none')");
            }
        }
        return out;
    }

    static int[] ints(List<Integer> given) {
        if (given.isEmpty()) throw new BadInputException("empty list");
        return given.stream().mapToInt(Integer::intValue).toArray();
    }
}
