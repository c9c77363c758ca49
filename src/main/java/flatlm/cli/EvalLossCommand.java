package flatlm.cli;

import flatlm.eval.ExactLoss;
import flatlm.lang.Language;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.train.HeldOutSpec;
import flatlm.train.Checkpoint;
import flatlm.train.OpenedCheckpoint;
import flatlm.train.Trainer;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code flatlm eval-loss}: the exact pre-training loss of any checkpoint. */
@Command(name = "eval-loss", mixinStandardHelpOptions = true,
    description = {"Exact pre-training loss of a checkpoint on held-out sentences of its language (stored in the "
        + "checkpoint), every position masked in turn: CE = H + KL, log10 KL, and the plain validation loss.",
        "Example: flatlm eval-loss --checkpoint runs/hmm-small/checkpoints/step-0004000 --json"})
public final class EvalLossCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "CKPT",
        description = "A checkpoint directory, its model.safetensors, or a run directory (its latest checkpoint).")
    Path checkpoint;

    @Option(names = "--sentences", paramLabel = "N", description = "Held-out sentences (default: the number its run "
        + "evaluated on, data.evalSentences of the run's config.yaml, so the KL is the one in metrics.jsonl and results.csv; "
        + HeldOutSpec.DEFAULT_SENTENCES + " for a checkpoint outside a run).")
    Integer sentences;

    @Option(names = "--seed", paramLabel = "SEED", description = "Seed of the held-out sentences (default: its run's "
        + "data.evalSeed; " + HeldOutSpec.DEFAULT_SEED + " outside a run).")
    Long seed;

    @Setting("train.threads")
    @Option(names = "--threads", description = "libtorch threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (sentences != null && sentences < 2) throw new BadInputException("--sentences must be at least 2, got " + sentences);
        Torch.setThreads(threads);
        OpenedCheckpoint cp = Checkpoint.open(checkpoint);
        HeldOutSpec run = cp.heldOut();
        HeldOutSpec heldOut = new HeldOutSpec(sentences == null ? run.sentences() : sentences, seed == null ? run.seed() : seed);
        Path resolved = cp.path();
        Language language = cp.language();
        MlmModel model = cp.model("cpu");
        ExactLoss.Result r = ExactLoss.evaluate(model, heldOut.build(language), Trainer.EVAL_ROWS);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("checkpoint", resolved.toString());
            out.put("ce", r.crossEntropy());
            out.put("entropy", r.entropy());
            out.put("kl", r.kl());
            out.put("kl_stderr", r.klStderr());
            out.put("log10_kl", r.log10Kl());
            out.put("val_loss", r.validationLoss());
            out.put("predictions", r.predictions());
            out.put("sentences", heldOut.sentences());
            out.put("held_out_seed", heldOut.seed());
            System.out.println(Configs.toJsonLine(out));
        } else {
            System.out.printf("checkpoint   %s%n", resolved);
            System.out.printf("CE           %.5f nats (= H + KL)%n", r.crossEntropy());
            System.out.printf("H            %.5f nats (entropy of the true conditionals)%n", r.entropy());
            System.out.printf("KL           %.5f ± %.5f nats (log10 %.3f)%n", r.kl(), r.klStderr(), r.log10Kl());
            System.out.printf("val loss     %.5f nats (-log q of the held-out word)%n", r.validationLoss());
            System.out.printf("predictions  %d (%d sentences, every position, held-out seed %d)%n", r.predictions(), heldOut.sentences(), heldOut.seed());
        }
        return 0;
    }
}
