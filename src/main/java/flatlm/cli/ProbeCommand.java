package flatlm.cli;

import flatlm.eval.DownstreamResult;
import flatlm.eval.DownstreamSplit;
import flatlm.eval.LanguageCheck;
import flatlm.eval.LayerProbe;
import flatlm.eval.Probe;
import flatlm.eval.Representation;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Languages;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.stats.Summary;
import flatlm.train.Checkpoint;
import flatlm.train.OpenedCheckpoint;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code flatlm probe}: linear probe of a frozen checkpoint on a downstream task. */
@Command(name = "probe", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Linear probe of a frozen checkpoint: features = the final hidden states of every word token "
        + "(no [CLS]/[SEP], zero-padded to the language's maximum length), concatenated, optionally randomly projected, "
        + "standardised; a multinomial logistic regression (ridge regression for dyck) with weight decay; test accuracy "
        + "mean ± std over seeds. The language is the one stored in the checkpoint. --layer and --read choose another "
        + "representation: any layer state, or the state at the task's position with that word masked.",
        "Example: flatlm probe --checkpoint runs/hmm-small --task hmm:6",
        "         flatlm probe --checkpoint runs/hmm-small --task hmm:6 --layer all --read masked   (a table per layer)",
        "         flatlm probe --checkpoints runs/hmm-small --task hmm:6   (every checkpoint: a table)"})
public final class ProbeCommand extends CheckpointEvalCommand {
    @Mixin
    ProbeSolverOptions solver;

    @Mixin
    RepresentationOptions representation;

    @Override String method() { return "probe"; }

    @Override
    Probe.Setup setup() {
        solver.options(); // validates the solver options before any work
        representation.validate();
        return common.setup(solver.project);
    }

    @Override
    void check(MlmModel model, DownstreamTask task) {
        Representation r = representation.single();
        r.layerIn(model); // a layer the model lacks, a masked read without a position: before the bar
        r.positionOf(task);
    }

    @Override
    Map<String, String> columns() {
        Representation r = representation.single();
        Map<String, String> c = new LinkedHashMap<>();
        c.put("layer", r.layerId());
        c.put("read", r.read().id);
        return c;
    }

    /** "" for the paper's representation (the final layer, concat: probe-TASK.csv), else e.g. "-layer1-masked". */
    @Override
    String fileTag() {
        Representation r = representation.single();
        return r.isDefault() ? "" : "-" + (r.layer() == Representation.FINAL ? "final" : "layer" + r.layer()) + "-" + r.read().id;
    }

    @Override long work(Probe.Setup setup) { return setup.seeds(); }

    @Override String unit() { return " seeds"; }

    @Override
    public Integer call() throws Exception {
        if (!representation.all()) return super.call();
        if (target.runDir != null) throw new BadInputException("--layer all probes one checkpoint (--checkpoint CKPT); "
            + "with --checkpoints give one layer");
        if (common.threads < 1) throw new BadInputException("--threads must be >= 1, got " + common.threads);
        Torch.setThreads(common.threads);
        Probe.Setup setup = setup();
        Language given = languageDir == null ? null : Languages.load(languageDir);
        OpenedCheckpoint cp = Checkpoint.open(target.checkpoint);
        Path resolved = cp.path();
        Language language = languageOf(cp, given, target.checkpoint.toString());
        DownstreamTask task = LanguageCheck.task(language, common.task, "the checkpoint's language");
        Representation.Read read = representation.readChoice();
        new Representation(Representation.FINAL, read).positionOf(task); // the masked read needs a position
        Loaded l = load(cp, language, target.checkpoint.toString());
        MlmModel model = l.model();
        List<DownstreamSplit> splits = Probe.splits(task, setup);
        List<LayerProbe.Layer> layers = withBar("probe " + task.name() + " per layer", (long) setup.seeds() * model.numLayerStates(),
            unit(), bar -> LayerProbe.run(model, language, task, read, splits, setup, solver.options(), bar::step));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("checkpoint", resolved.toString());
        if (l.step() != null) json.put("step", l.step());
        json.put("task", task.name());
        json.put("read", read.id);
        json.put("layers", LayerProbe.toJson(layers));
        if (common.out != null) writeJson(common.out, json);
        if (common.json) {
            System.out.println(Configs.toJsonLine(json));
            return 0;
        }
        DownstreamResult any = layers.get(0).result();
        System.out.printf("probe %s (%s) of every layer of %s%n", task.name(), classes(any), resolved);
        System.out.printf("read       %s%n", read == Representation.Read.CONCAT ? "every word's state, concatenated"
            : "the state at word " + task.wordPosition().getAsInt() + " with that word masked, + the word's embedding output");
        System.out.println(describeSolver(any));
        System.out.printf("split      %d train / %d test, seeds %s%n", setup.train(), setup.test(), seedRange(setup));
        System.out.print(LayerProbe.table(layers));
        Summary bayes = any.bayesAccuracy();
        if (bayes.n() > 0) System.out.printf("bayes      %s  (ceiling: Bayes-optimal prediction on the same test examples)%n", bayes);
        double seconds = layers.stream().mapToDouble(x -> x.result().seconds()).sum();
        System.out.printf("time       %.1f s%n", seconds);
        if (common.out != null) System.out.printf("result     %s%n", common.out);
        return 0;
    }

    @Override
    DownstreamResult evaluate(MlmModel model, Language language, DownstreamTask task, List<DownstreamSplit> splits,
                              Probe.Setup setup, Runnable tick) {
        return Probe.run("probe", LayerProbe.features(model, language, task, representation.single()), language, task, splits, setup,
            solver.options(), tick);
    }

    @Override
    String describe(DownstreamResult r) {
        return describeProbe(r);
    }

    static String describeProbe(DownstreamResult r) {
        var s = r.settings();
        String proj = ((Number) s.get("project")).intValue() > 0 ? ", projected to " + s.get("project") : "";
        String what;
        if ("lookup".equals(s.get("features"))) {
            what = "masked".equals(s.get("read"))
                ? "exact conditional p*(.|x_-k) at word " + s.get("position") + " + the word's one-hot"
                : "exact conditionals p*(.|x_-i) of every position";
        } else if (!s.containsKey("layer")) {
            what = "final hidden states of every word";
        } else if ("masked".equals(s.get("read"))) {
            what = "layer " + s.get("layer") + " (" + s.get("layer_name") + ") state at word " + s.get("position")
                + " masked + the word's embedding output";
        } else {
            what = "layer " + s.get("layer") + " (" + s.get("layer_name") + ") states of every word";
        }
        return String.format("features   %s, %s dims%s, standardised%n%s", what, s.get("dimension"), proj, describeSolver(r));
    }

    static String describeSolver(DownstreamResult r) {
        var s = r.settings();
        String solver = "lbfgs".equals(s.get("solver"))
            ? "L-BFGS (full batch, at most " + s.get("max_iterations") + " iterations)"
            : "AdamW (lr " + s.get("lr") + ", " + s.get("epochs") + " epochs, batch " + s.get("batch_size") + ")";
        return String.format("solver     %s, weight decay %s", solver, s.get("weight_decay"));
    }
}
