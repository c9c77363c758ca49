package flatlm.cli;

import flatlm.util.BadInputException;
import flatlm.util.Io;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The {@code flatlm} command line. */
@Command(name = "flatlm", mixinStandardHelpOptions = true, version = "flatlm 0.1.0",
    description = "Languages with exact masked-LM conditionals, pre-training to saturation, "
        + "downstream transfer and flatness (Liu et al., ICML 2023, at laptop scale).",
    subcommands = {LangCommand.class, LmCommand.class, PretrainCommand.class, EvalLossCommand.class, ProbeCommand.class, FinetuneCommand.class, PruneCommand.class,
        LookupCommand.class, BenchCommand.class, DyckCommand.class, FlatnessCommand.class, EmbedCommand.class, ReproduceCommand.class, SweepCommand.class, ReportCommand.class, CompareCommand.class, TaskCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    /** Exit code for bad input (malformed file, bad option value). */
    public static final int EXIT_BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = Defaults.cli(new Main()); // every library setting's default, from its one declaration
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, cmd));
        cli.setParameterExceptionHandler((ex, argv) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("flatlm: error: " + ex.getMessage().lines().findFirst().orElse("")
                + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_BAD_INPUT;
        });
        return cli.execute(args);
    }

    private static int handle(Exception ex, CommandLine cmd) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        String message;
        int code = EXIT_BAD_INPUT;
        if (t instanceof BadInputException) {
            message = Defaults.withFlags(t.getMessage(), cmd); // a library error names the key; here, the flag
        } else if (t instanceof IOException io) {
            message = Io.describe(io);
        } else {
            message = "internal error: " + t;
            code = 1;
            if (System.getenv("FLATLM_DEBUG") != null) t.printStackTrace();
        }
        cmd.getErr().println("flatlm: error: " + message);
        return code;
    }
}
