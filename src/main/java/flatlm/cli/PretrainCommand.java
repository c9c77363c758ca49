package flatlm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.train.TrainConfig;
import flatlm.train.Trainer;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import flatlm.util.Io;
import flatlm.util.Warnings;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code flatlm pretrain}: masked-LM pre-training into a run directory. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = {"Pre-trains a masked language model on a language with exact conditionals, evaluating the "
        + "exact loss (CE = H + KL against the true conditionals) on a fixed held-out set every evalEvery steps "
        + "and checkpointing every checkpointEvery steps. Writes RUN/config.yaml, RUN/metrics.jsonl and "
        + "RUN/checkpoints/step-NNNNNNN/ (model.safetensors, optimizer.safetensors, state.json, manifest.json).",
        "Every config key is also a flag: --steps 2000, --optimizer.lr 1e-3, --model.preset tiny, "
            + "--language.kind pcfg, --batch-size 128. --print-config shows all keys with their defaults.",
        "Algorithms (--algorithm): standard (the observed masked word), exact-target (the exact conditional p*: no "
            + "label noise), sampled-labels (the label-noise dial: each masked context's target is the empirical "
            + "distribution of k words drawn from p*, --labels-per-context k; k 1 is standard MLM on fresh data, k exact "
            + "is exact-target; the gradient noise at a minimiser is that of batch size x k), and sam-, adversarial- "
            + "versions of the three.",
        "Example: flatlm pretrain --out runs/hmm-small --steps 4000"})
public final class PretrainCommand implements Callable<Integer> {
    /** Exit code when the loss turned NaN/inf. */
    public static final int EXIT_DIVERGED = 3;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config (keys as in --print-config).")
    Path config;

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "New run directory.")
    Path out;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue a run from its latest checkpoint, exactly.")
    Path resume;

    @Option(names = "--stop-at", paramLabel = "STEP", defaultValue = "0",
        description = "Stop (with a checkpoint) after this step, keeping the schedule of the full run; resume later.")
    long stopAt;

    @Option(names = "--print-config", description = "Print the resolved config (defaults, file, flags) and exit.")
    boolean printConfig;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (stopAt < 0) throw new BadInputException("--stop-at must be a step >= 1 (or 0: the whole run), got " + stopAt);
        Trainer trainer;
        TrainConfig cfg;
        Path runDir;
        if (resume != null) {
            if (config != null || !overrides.isEmpty()) {
                throw new BadInputException("--resume continues the run with its stored config; drop --config and key flags");
            }
            if (out != null) {
                throw new BadInputException("--resume " + resume + " continues that run in place; drop --out " + out
                    + " (a new run from its weights: --out " + out + " --init-from " + resume + ")");
            }
            if (printConfig) throw new BadInputException("--print-config shows a new run's config; a run's own is " + resume.resolve("config.yaml"));
            runDir = resume;
            trainer = Trainer.resume(resume);
            cfg = trainer.config();
            if (stopAt > 0 && stopAt <= trainer.step()) {
                throw new BadInputException("--stop-at " + stopAt + ": " + resume + " is already at step " + trainer.step());
            }
        } else {
            cfg = resolveConfig(config, overrides);
            // a continuation (init from another run) may carry a derived seed, SEED_LIMIT·s + depth
            if (cfg.initFrom == null) flatlm.experiment.RunSpec.requirePretrainingSeed("config", cfg.seed);
            if (printConfig) {
                System.out.print(printedConfig(cfg));
                return 0;
            }
            if (out == null) throw new BadInputException("--out RUN_DIR is required (or --resume RUN_DIR)");
            Io.requireDirectoryOrAbsent(out, "--out");
            runDir = out;
            trainer = Trainer.start(cfg, out);
        }
        if (stopAt > cfg.steps) Warnings.warn("--stop-at " + stopAt + " is past the run's " + cfg.steps + " steps: training to step " + cfg.steps);
        System.err.printf("flatlm: %s, %d parameters, %s, batch %d, %d steps -> %s%n",
            trainer.model().kind() + " " + trainer.model().configJson(), trainer.model().numParameters(), cfg.optimizer.name, cfg.batchSize,
            cfg.steps, runDir);
        Trainer.Outcome outcome;
        try (ProgressBar bar = ProgressBars.create("pretrain", cfg.steps, " steps")) {
            bar.stepTo(trainer.step());
            outcome = trainer.run(stopAt, st -> {
                bar.stepTo(st.step());
                bar.setExtraMessage(String.format(" loss %.4f KL %.4f %.1fk tok/s", st.trainLoss(), st.kl(),
                    st.tokensPerSecond() / 1000));
            });
        } catch (java.io.IOException e) {
            throw Io.naming(runDir, e); // e.g. a full disk: at least the run directory being written
        }
        if (outcome.divergedAt() > 0) {
            System.err.println("flatlm: error: the loss became NaN/inf at step " + outcome.divergedAt()
                + "; training stopped. Last good checkpoint: " + outcome.lastCheckpoint());
            return EXIT_DIVERGED;
        }
        if (outcome.last() != null) {
            System.err.printf("flatlm: step %d: CE %.5f  H %.5f  KL %.5f (log10 %.2f)  -> %s%n", outcome.step(),
                outcome.last().crossEntropy(), outcome.last().entropy(), outcome.last().kl(), outcome.last().log10Kl(),
                outcome.lastCheckpoint());
        }
        return 0;
    }

    /**
     * The config as YAML; an unset labelsPerContext (left out of the run's key) is shown as a
     * comment under algorithm, so that the dial's key is visible (the text stays a valid config).
     */
    static String printedConfig(TrainConfig cfg) {
        String yaml = Configs.toYaml(cfg);
        if (cfg.labelsPerContext != null) return yaml;
        return yaml.replaceFirst("(?m)^(algorithm: .*\\n)", "$1# labelsPerContext: unset; for the sampled-labels algorithms "
            + "k >= 1 (words drawn from p* per masked context: the label-noise dial) or exact\n");
    }

    /** Defaults, then the config file, then {@code --key value} flags. */
    static TrainConfig resolveConfig(Path file, List<String> flags) throws java.io.IOException {
        ObjectNode tree = (ObjectNode) Configs.toTree(new TrainConfig());
        String source = "defaults";
        if (file != null) {
            merge(tree, Configs.readTree(file));
            source = file.toString();
        }
        Map<String, String> kv = parseFlags(flags);
        Configs.override(tree, kv);
        if (!kv.isEmpty()) source += " + flags";
        return Configs.bind(tree, TrainConfig.class, source).validate();
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(e -> {
            if (e.getValue().isObject() && into.get(e.getKey()) != null && into.get(e.getKey()).isObject()) {
                merge((ObjectNode) into.get(e.getKey()), (ObjectNode) e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    static Map<String, String> parseFlags(List<String> args) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() == 2) throw new BadInputException("unexpected argument '" + a + "'");
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else {
                if (i + 1 >= args.size()) throw new BadInputException("flag --" + key + " needs a value");
                value = args.get(++i);
            }
            kv.put(key, value);
        }
        return kv;
    }
}
