package flatlm.cli;

import flatlm.eval.DownstreamResult;
import flatlm.eval.DownstreamSplit;
import flatlm.eval.FineTune;
import flatlm.eval.Probe;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code flatlm finetune}: fine-tuning of a checkpoint on a downstream task. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Fine-tuning: a linear head on the [CLS] hidden state, all weights trained with AdamW "
        + "(warmup, then linear decay to 0); test accuracy mean ± std over seeds, each restarting from the checkpoint.",
        "Example: flatlm finetune --checkpoint runs/hmm-small --task hmm:6 --epochs 10"})
public final class FinetuneCommand extends CheckpointEvalCommand {
    @Setting("finetune.lr")
    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}, the paper's).")
    double lr;

    @Setting("finetune.warmup")
    @Option(names = "--warmup", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Setting("finetune.epochs")
    @Option(names = "--epochs", description = "Epochs over the train split (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Setting("finetune.batchSize")
    @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Setting("finetune.weightDecay")
    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    private FineTune.Options options() {
        return new FineTune.Options(lr, warmup, epochs, batchSize, weightDecay);
    }

    @Override String method() { return "finetune"; }

    @Override
    Probe.Setup setup() {
        options(); // validates before any work
        return common.setup(0);
    }

    @Override long work(Probe.Setup setup) { return (long) setup.seeds() * FineTune.steps(setup.train(), options()); }

    @Override String unit() { return " steps"; }

    @Override
    DownstreamResult evaluate(MlmModel model, Language language, DownstreamTask task, List<DownstreamSplit> splits,
                              Probe.Setup setup, Runnable tick) {
        return FineTune.run(model, language, task, splits, setup, options(), tick);
    }

    @Override
    String describe(DownstreamResult r) {
        var s = r.settings();
        return String.format("training   [CLS] + linear head, all weights: AdamW lr %s, %s warmup steps then linear decay, "
            + "%s epochs, batch %s, weight decay %s", s.get("lr"), s.get("warmup"), s.get("epochs"), s.get("batch_size"),
            s.get("weight_decay"));
    }
}
