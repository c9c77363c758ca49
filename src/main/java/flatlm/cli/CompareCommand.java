package flatlm.cli;

import flatlm.report.Replication;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code flatlm compare}: do two reproductions of one design on new draws agree, claim by claim? */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compares two reproduction directories claim by claim (their verdicts.csv): each claim's measured change "
        + "± s.e. (seeds) in both, their difference, and whether it lies within 2·√(se_a² + se_b²) (the two estimates "
        + "agree), with both verdicts. Use it for a replication: the same preset with disjoint pre-training seeds "
        + "(reproduce --seeds) or on another draw of its language (reproduce --language-seed).",
        "Example: flatlm compare runs/quick runs/quick-seeds-6-10"})
public final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "A reproduction directory (with verdicts.csv).")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "Another one, of the same design.")
    Path b;

    @Override
    public Integer call() throws Exception {
        var rows = Replication.compare(Replication.read(a), Replication.read(b));
        System.out.print(Replication.table(rows, "a: " + a.getFileName(), "b: " + b.getFileName()));
        return 0;
    }
}
