package flatlm.flatness;

import flatlm.model.Torch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Speed of the flatness estimators on a checkpoint (BENCHMARKS.md): for each estimator
 * configuration, the time to reach a relative standard error (default 5%) over several seeds,
 * and the cost normalised to equal standard error, {@code seconds × rel_stderr²} (the time an
 * estimator needs for a relative standard error of 1; ratios of it are speed-ups at equal
 * standard error, robust to where each run stopped).
 *
 * <pre>
 * java -cp "target/classes:target/lib/*" flatlm.flatness.FlatnessBench CKPT [rel-stderr] [seeds] [config ...]
 *   config: fisher:B | fisher-per-sample | hutchinson:B | hutchinson-data:B | top-eig:N   (default: a standard set)
 *           a suffix @N runs exactly N samples instead of stopping at the relative standard error
 *           (adaptive stopping under-reports heavy-tailed variances; fixed runs measure them)
 * </pre>
 */
public final class FlatnessBench {
    private FlatnessBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: FlatnessBench CKPT [rel-stderr] [seeds] [config ...]");
            System.exit(2);
        }
        Torch.setThreads(1);
        Flatness.Loaded c = Flatness.load(Path.of(args[0]));
        double rel = args.length > 1 ? Double.parseDouble(args[1]) : 0.05;
        int seeds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> configs = args.length > 3 ? Arrays.asList(args).subList(3, args.length)
            : List.of("fisher-per-sample", "fisher:16", "fisher:64", "fisher:256", "hutchinson:8", "hutchinson:32",
                "hutchinson:128", "hutchinson-data:32", "top-eig:256");
        System.out.printf("checkpoint %s: %d parameters, target relative stderr %.3f, %d seeds, 1 thread%n",
            c.path(), c.model().numParameters(), rel, seeds);
        System.out.printf("%-20s %10s %10s %9s %9s %9s %12s%n", "estimator", "estimate", "rel.se", "samples", "passes",
            "median s", "s x relse^2");
        // warm-up
        Flatness.measure(c.model(), c.language(), Flatness.Estimator.FISHER, Flatness.Options.defaults().with(s -> s.budget = Budget.fixed(5)), null);
        for (String config : configs) {
            String[] at = config.split("@");
            String[] f = at[0].split(":");
            int n = f.length > 1 ? Integer.parseInt(f[1]) : 1;
            Flatness.Estimator est = Flatness.Estimator.parse(f[0].equals("hutchinson-data") ? "hutchinson" : f[0]);
            Budget budget = at.length > 1 ? Budget.fixed(Long.parseLong(at[1])) : Budget.relStderr(rel);
            Flatness.Options o = Flatness.Options.defaults().with(s -> {
                s.budget = budget;
                s.fisherBatch = s.hutchinsonBatch = n;
                s.labels = f[0].equals("hutchinson-data") ? Labels.DATA : Labels.EXACT;
                if (est == Flatness.Estimator.TOP_EIG) {
                    s.eigContexts = n;
                    s.eigGroups = 8;
                    s.eigMethod = TopEigenvalue.Method.LANCZOS;
                    s.eigTolerance = 1e-3;
                    s.eigIterations = 100;
                }
            });
            List<Double> secs = new ArrayList<>();
            List<Double> norm = new ArrayList<>();
            double value = 0, rse = 0;
            long samples = 0, passes = 0;
            for (int s = 1; s <= seeds; s++) {
                long seed = s;
                Estimate e = Flatness.measure(c.model(), c.language(), est, o.with(x -> x.seed = seed), null);
                secs.add(e.seconds());
                norm.add(e.seconds() * e.relStderr() * e.relStderr());
                value += e.value() / seeds;
                rse += e.relStderr() / seeds;
                samples += e.samples() / seeds;
                passes += e.passes() / seeds;
            }
            System.out.printf("%-20s %10.4g %10.3f %9d %9d %9.2f %12.4f%n", config, value, rse, samples, passes, median(secs),
                median(norm));
        }
    }

    static double median(List<Double> x) {
        List<Double> s = new ArrayList<>(x);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : 0.5 * (s.get(n / 2 - 1) + s.get(n / 2));
    }
}
