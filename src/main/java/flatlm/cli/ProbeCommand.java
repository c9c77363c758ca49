package flatlm.cli;

import flatlm.eval.DownstreamResult;
import flatlm.eval.DownstreamSplit;
import flatlm.eval.ModelFeatures;
import flatlm.eval.Probe;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;

/** {@code flatlm probe}: linear probe of a frozen checkpoint on a downstream task. */
@Command(name = "probe", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Linear probe of a frozen checkpoint: features = the final hidden states of every word token "
        + "(no [CLS]/[SEP], zero-padded to the language's maximum length), concatenated, optionally randomly projected, "
        + "standardised; a multinomial logistic regression (ridge regression for dyck) with weight decay; test accuracy "
        + "mean ± std over seeds. The language is the one stored in the checkpoint.",
        "Example: flatlm probe --checkpoint runs/hmm-small --task hmm:6",
        "         flatlm probe --checkpoints runs/hmm-small --task hmm:6   (every checkpoint: a table)"})
public final class ProbeCommand extends CheckpointEvalCommand {
    @Mixin
    ProbeSolverOptions solver;

    @Override String method() { return "probe"; }

    @Override
    Probe.Setup setup() {
        solver.options(); // validates the solver options before any work
        return common.setup(solver.project);
    }

    @Override long work(Probe.Setup setup) { return setup.seeds(); }

    @Override String unit() { return " seeds"; }

    @Override
    DownstreamResult evaluate(MlmModel model, Language language, DownstreamTask task, List<DownstreamSplit> splits,
                              Probe.Setup setup, Runnable tick) {
        return Probe.run("probe", new ModelFeatures(model, language.maxLength()), language, task, splits, setup,
            solver.options(), tick);
    }

    @Override
    String describe(DownstreamResult r) {
        return describeProbe(r);
    }

    static String describeProbe(DownstreamResult r) {
        var s = r.settings();
        String proj = ((Number) s.get("project")).intValue() > 0 ? ", projected to " + s.get("project") : "";
        String solver = "lbfgs".equals(s.get("solver"))
            ? "L-BFGS (full batch, at most " + s.get("max_iterations") + " iterations)"
            : "AdamW (lr " + s.get("lr") + ", " + s.get("epochs") + " epochs, batch " + s.get("batch_size") + ")";
        return String.format("features   %s, %s dims%s, standardised%nsolver     %s, weight decay %s",
            "lookup".equals(s.get("features")) ? "exact conditionals p*(.|x_-i) of every position" : "final hidden states of every word",
            s.get("dimension"), proj, solver, s.get("weight_decay"));
    }
}
