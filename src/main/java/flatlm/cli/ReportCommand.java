package flatlm.cli;

import flatlm.experiment.ReportFiles;
import flatlm.experiment.Reproduction;
import flatlm.util.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code flatlm report}: rebuilds a reproduction's report from its finished runs, without training. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Rebuilds report.md, report.html, results.csv and plots/ of reproduction directories (written by "
        + "flatlm reproduce) from the measurements of their runs; trains and measures nothing. Models not measured yet "
        + "are left out and named.",
        "Example: flatlm report runs/reproduce-quick"})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Reproduction output directories.")
    List<Path> dirs;

    @Override
    public Integer call() throws Exception {
        List<Reproduction> all = new java.util.ArrayList<>(); // every directory checked before any is rewritten
        for (Path dir : dirs) {
            Path planFile = dir.resolve(Reproduction.PLAN_FILE);
            if (!Files.isRegularFile(planFile))
                throw new BadInputException(dir + ": not a reproduction directory (no " + Reproduction.PLAN_FILE + ")");
            all.add(new Reproduction(Reproduction.load(planFile.toString()), dir, true));
        }
        for (Reproduction r : all) {
            Path report = ReportFiles.write(r, null);
            System.out.printf("%s: %d models; report: %s%n", r.out(), r.collect().size(), report);
        }
        return 0;
    }
}
