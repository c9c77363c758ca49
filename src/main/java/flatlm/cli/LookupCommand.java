package flatlm.cli;

import flatlm.eval.DownstreamResult;
import flatlm.eval.LanguageCheck;
import flatlm.eval.Probe;
import flatlm.eval.Representation;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code flatlm lookup}: the lookup-table baseline, the probe on the exact conditionals. */
@Command(name = "lookup", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"The lookup-table baseline (paper Section 3): the linear probe on the concatenated exact conditionals "
        + "p*(.|x_-i) of every position (a model with perfect pre-training loss whose features are the truth); no model.",
        "The lookup table has no layers (--layer is refused); --read masked probes [p*(.|x_-k) ; one-hot x_k] at the task's "
            + "position k, the masked read of a perfect single-mask model.",
        "Example: flatlm lookup --lang hmm --states 8 --words 16 --blocks 2 --length 8 --alpha 0.1 --task hmm:6"})
public final class LookupCommand implements Callable<Integer> {
    @Mixin
    LanguageOptions languageOptions;

    @Mixin
    DownstreamOptions common;

    @Mixin
    ProbeSolverOptions solver;

    @Mixin
    RepresentationOptions representation;

    @Override
    public Integer call() throws Exception {
        if (common.threads < 1) throw new BadInputException("--threads must be >= 1, got " + common.threads);
        Torch.setThreads(common.threads);
        Language language = languageOptions.build();
        DownstreamTask task = LanguageCheck.task(language, common.task, "this language");
        Probe.requireLookupDefined(language);
        if (!"final".equals(representation.layer)) throw new BadInputException("lookup: --layer " + representation.layer
            + " does not apply: the lookup table's features are the exact conditionals p*(.|x_-i), which have no layers "
            + "(--layer is for 'flatlm probe')");
        int position = new Representation(Representation.FINAL, representation.readChoice()).positionOf(task);
        Probe.Setup setup = common.setup(solver.project);
        var options = solver.options();
        DownstreamResult r = CheckpointEvalCommand.withBar("lookup " + task.name(), setup.seeds(), " seeds",
            bar -> Probe.lookup(language, task, setup, options, common.threads, position, bar::step));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("language", Configs.toTree(languageOptions.spec()));
        json.putAll(r.toJson());
        if (common.out != null) CheckpointEvalCommand.writeJson(common.out, json);
        if (common.json) {
            System.out.println(Configs.toJsonLine(json));
        } else {
            System.out.printf("lookup %s (%s) of the %s language%n", task.name(), CheckpointEvalCommand.classes(r), language.kind());
            CheckpointEvalCommand.printText(r, setup, ProbeCommand.describeProbe(r));
            if (common.out != null) System.out.printf("result     %s%n", common.out);
        }
        return 0;
    }
}
