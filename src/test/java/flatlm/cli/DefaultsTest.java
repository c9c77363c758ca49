package flatlm.cli;

import flatlm.eval.Probe;
import flatlm.flatness.Budget;
import flatlm.flatness.Flatness;
import flatlm.lang.LanguageSpec;
import flatlm.util.Configs;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every library setting's default is declared once, in the library; the CLI reads it and maps error keys to flags. */
class DefaultsTest {
    /** Every option of every command, with its command's name. */
    private static List<Object[]> options(CommandLine cmd) {
        List<Object[]> out = new ArrayList<>();
        for (OptionSpec o : cmd.getCommandSpec().options()) out.add(new Object[] {cmd.getCommandSpec().qualifiedName(), o});
        for (CommandLine sub : cmd.getSubcommands().values()) out.addAll(options(sub));
        return out;
    }

    @Test
    void everySettingOptionHasNoDefaultOfItsOwnAndItsKeyResolves() {
        int settings = 0;
        for (Object[] x : options(Defaults.cli(new Main()))) {
            OptionSpec o = (OptionSpec) x[1];
            Setting s = Defaults.setting(o);
            if (s == null) continue;
            settings++;
            picocli.CommandLine.Option a = ((java.lang.reflect.Field) o.userObject()).getAnnotation(picocli.CommandLine.Option.class);
            assertEquals("__no_default_value__", a.defaultValue(), x[0] + " " + o.longestName() + " writes its own default");
            Defaults.value(s.value()); // throws for a key that names nothing
        }
        assertTrue(settings >= 40, "settings found: " + settings);
    }

    @Test
    void theCliDefaultsAreTheLibrarysObjects() {
        assertEquals(Configs.toJsonLine(new LanguageSpec()), Configs.toJsonLine(LanguageOptionsTest.parse()));
        assertEquals("8", Defaults.value("language.n"));
        assertEquals(String.valueOf(Probe.Setup.defaults().train()), Defaults.value("probe.train"));
        assertEquals("lbfgs", Defaults.value("solver.solver"));
        assertEquals("exact", Defaults.value("flatness.labels"));
        assertEquals("final", Defaults.value("representation.layerId"));
        // the flatness time limit: the library's (none), not a number of the CLI's own
        assertEquals(Flatness.Options.defaults().budget().maxSeconds(), Double.parseDouble(Defaults.value("flatness.budget.maxSeconds")));
        assertEquals(Double.POSITIVE_INFINITY, Flatness.Options.defaults().budget().maxSeconds());
        assertEquals(String.valueOf(Budget.DEFAULT_MAX), Defaults.value("flatness.budget.maxSamples"));
        // a plan's measure section starts from the same probe defaults
        var m = new flatlm.experiment.ExperimentPlan.Measure();
        assertEquals(Probe.Setup.defaults().train(), m.probeTrain);
        assertEquals(Probe.Setup.defaults().seeds(), m.probeSeeds);
        String help = Defaults.cli(new Main()).getSubcommands().get("flatness").getUsageMessage().replaceAll("\\s+", " ");
        assertTrue(help.contains("(default: Infinity, no limit"), help);
    }

    @Test
    void aParsedCommandHoldsTheLibrarysValues() {
        FlatnessCommand f = new FlatnessCommand();
        Defaults.cli(f).parseArgs("--checkpoint", "x");
        Budget b = Flatness.Options.defaults().budget();
        assertEquals(b.relStderr(), f.relStderr);
        assertEquals(b.minSamples(), f.minSamples);
        assertEquals(b.maxSamples(), f.maxSamples);
        assertEquals(b.maxSeconds(), f.maxSeconds);
        assertEquals(Flatness.Options.defaults().eigIterations(), f.eigIterations);
        assertEquals(List.of(new flatlm.experiment.ExperimentPlan.Measure().flatness), f.estimators);
        ProbeCommand p = new ProbeCommand();
        Defaults.cli(p).parseArgs("--checkpoint", "x", "--task", "hmm:1");
        assertEquals(Probe.Setup.defaults(), p.common.setup(Probe.Setup.defaults().project()));
    }

    @Test
    void aLibraryErrorNamingAKeyIsShownWithTheFlag() {
        CommandLine probe = Defaults.cli(new Main()).getSubcommands().get("probe");
        assertEquals("--train must be at least 1, got 0", Defaults.withFlags("probe.train must be at least 1, got 0", probe));
        assertEquals("--weight-decay must be > 0", Defaults.withFlags("solver.weightDecay must be > 0", probe));
        assertEquals("probe.trainx stays", Defaults.withFlags("probe.trainx stays", probe));
        CliRunner r = CliRunner.run("lookup", "--lang", "hmm", "--states", "4", "--words", "8", "--blocks", "2", "--length", "5", "--task", "hmm:2",
            "--train", "0");
        assertEquals(2, r.exitCode(), r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals("flatlm: error: --train must be at least 1, got 0", last);
        CliRunner f = CliRunner.run("lookup", "--lang", "hmm", "--states", "4", "--words", "8", "--blocks", "2", "--length", "5", "--task", "hmm:2",
            "--weight-decay", "0");
        assertTrue(f.err().strip().endsWith("--weight-decay must be > 0 (it makes the problem strictly convex), got 0.0"), f.err());
        assertFalse(f.err().contains("solver."), f.err());
        assertNotNull(Defaults.value("train.threads"));
        CliRunner d = CliRunner.run("dyck", "--n", "4", "--probe-seeds", "0", "--out", "/nonexistent-never-written");
        assertTrue(d.err().strip().endsWith("--probe-seeds must be at least 1, got 0"), d.err());
    }
}
