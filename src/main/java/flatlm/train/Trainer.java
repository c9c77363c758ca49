package flatlm.train;

import flatlm.model.LrSchedule;
import flatlm.model.Optimizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.eval.ExactLoss;
import flatlm.lang.Language;
import flatlm.model.LstmConfig;
import flatlm.model.MlmBatch;
import flatlm.model.MlmLstm;
import flatlm.model.MlmModel;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.SafeTensors;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import flatlm.util.Warnings;
import flatlm.util.Configs;
import flatlm.util.Io;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Masked-LM pre-training (SPEC.md section 3) writing a run directory: {@code config.yaml},
 * {@code metrics.jsonl} (one line per evaluation: exact CE/H/KL on the held-out set, the
 * validation loss, the mean training loss since the last line, learning rate, tokens/s),
 * and checkpoints every {@code checkpointEvery} steps (step 0 included: the trajectory is the
 * data). Every step runs inside a {@link PointerScope}. The batch of step t is a pure
 * function of (seed, t) and the schedule a pure function of t, so {@link #resume} continues
 * exactly where a run stopped.
 */
public final class Trainer {
    public static final String CONFIG = "config.yaml";
    public static final String METRICS = "metrics.jsonl";
    public static final String CHECKPOINTS = "checkpoints";
    /** Predictions per evaluation batch. */
    public static final int EVAL_ROWS = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a run ended with. {@code divergedAt} &gt; 0 when the loss turned NaN/inf at that step. */
    public record Outcome(long step, ExactLoss.Result last, Path lastCheckpoint, long divergedAt) {}

    /** Progress of a run, reported after every step. */
    public record Status(long step, long totalSteps, double trainLoss, double kl, double tokensPerSecond) {}

    private final TrainConfig cfg;
    private final Path runDir;
    private final Language language;
    private final MlmModel model;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final BatchSource source;
    private final Masking masking;
    private final Algorithm algorithm;
    private final ExactLoss.HeldOut heldOut;
    private long step;
    private Path lastCheckpoint;
    private Consumer<MlmModel> afterStep = m -> {};

    private Trainer(TrainConfig cfg, Path runDir) throws IOException {
        this.cfg = cfg.validate();
        this.runDir = runDir;
        Torch.setThreads(cfg.threads);
        this.language = cfg.language.build();
        this.model = buildModel(cfg, language);
        this.optimizer = cfg.optimizer.build(model.namedParameters());
        this.schedule = cfg.lrSchedule();
        this.source = cfg.data.corpus == null ? BatchSource.fresh(language, cfg.seed)
            : BatchSource.corpus(Path.of(cfg.data.corpus), language);
        this.masking = new Masking(cfg.data.masking, language.vocabulary().size());
        this.algorithm = Algorithm.of(cfg, language);
        this.heldOut = cfg.data.heldOut().build(language);
    }

    /**
     * The model of a config: a transformer preset (see {@link ModelConfig#presets()}) or an LSTM
     * preset (names starting with {@code lstm-}, see {@link LstmConfig#presets()}; {@code d} overrides
     * the embedding and state width, {@code layers} the depth), initialised from the seed.
     */
    public static MlmModel buildModel(TrainConfig cfg, Language language) {
        Devices.require(cfg.device);
        if (!LstmConfig.presets().containsKey(cfg.model.preset)) {
            return new MlmTransformer(modelConfig(cfg, language), cfg.seed, cfg.device);
        }
        return new MlmLstm(lstmConfig(cfg, language), cfg.seed, cfg.device);
    }

    /**
     * Checks what a run of {@code cfg} needs before anything is trained or written: its keys, the
     * device, the language and the model's shape (a preset that exists, a width the heads divide).
     * One-line errors; builds no tensor.
     */
    public static void requireBuildable(TrainConfig cfg) throws IOException {
        cfg.validate();
        Devices.require(cfg.device);
        Language language = cfg.language.build();
        if (LstmConfig.presets().containsKey(cfg.model.preset)) lstmConfig(cfg, language);
        else modelConfig(cfg, language);
    }

    private static LstmConfig lstmConfig(TrainConfig cfg, Language language) {
        LstmConfig p = LstmConfig.preset(cfg.model.preset, language.vocabulary().size(), language.maxLength());
        return new LstmConfig(p.vocabWords(), p.maxLength(),
            cfg.model.d != null ? cfg.model.d : p.embed(), cfg.model.d != null ? cfg.model.d : p.hidden(),
            cfg.model.layers != null ? cfg.model.layers : p.layers(), cfg.model.dropout,
            ModelConfig.DType.parse(cfg.model.dtype));
    }

    /** The transformer architecture of a config: the preset with its per-field overrides. */
    public static ModelConfig modelConfig(TrainConfig cfg, Language language) {
        ModelConfig p = ModelConfig.preset(cfg.model.preset, language.vocabulary().size(), language.maxLength());
        return new ModelConfig(p.vocabWords(), p.maxLength(),
            cfg.model.d != null ? cfg.model.d : p.d(),
            cfg.model.heads != null ? cfg.model.heads : p.heads(),
            cfg.model.layers != null ? cfg.model.layers : p.layers(),
            cfg.model.dInter != null ? cfg.model.dInter : p.dInter(),
            cfg.model.preLn, cfg.model.dropout, ModelConfig.DType.parse(cfg.model.dtype));
    }

    /** Starts a new run in {@code runDir} (which must not hold a run yet). */
    public static Trainer start(TrainConfig cfg, Path runDir) throws IOException {
        if (Files.exists(runDir.resolve(CONFIG))) {
            throw new BadInputException(runDir + " already holds a run; use --resume " + runDir + " or another --out");
        }
        Trainer t = new Trainer(cfg, runDir);
        if (cfg.initFrom != null) t.initFrom(Path.of(cfg.initFrom));
        writeRunFile(runDir, CONFIG, Configs.toYaml(cfg));
        Files.deleteIfExists(runDir.resolve(METRICS));
        return t;
    }

    /** Continues the run in {@code runDir} from its latest checkpoint. */
    public static Trainer resume(Path runDir) throws IOException {
        Path configFile = runDir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) throw new BadInputException(runDir + ": not a run directory (no " + CONFIG + ")");
        TrainConfig cfg = Configs.bind(Configs.readTree(configFile), TrainConfig.class, configFile.toString());
        Path last = lastVerifiedCheckpoint(runDir);
        Trainer t = new Trainer(cfg, runDir);
        SafeTensors.load(last.resolve(Checkpoint.MODEL), t.model);
        Checkpoint.loadOptimizer(last, t.optimizer);
        t.step = Checkpoint.readState(last).step();
        t.lastCheckpoint = last;
        t.truncateMetricsAfter(t.step);
        return t;
    }

    /**
     * The latest checkpoint of a run whose files match its manifest. A later one that does not
     * (a file cut or corrupted by an interruption or a bad disk) is refused with a warning naming
     * it and renamed {@code refused-step-N}, so that nothing reads it and the run retrains from
     * the previous one; none verified: a one-line error.
     */
    static Path lastVerifiedCheckpoint(Path runDir) throws IOException {
        List<Path> checkpoints = Checkpoint.list(runDir.resolve(CHECKPOINTS));
        if (checkpoints.isEmpty()) throw new BadInputException(runDir + ": no checkpoint to resume from");
        for (int i = checkpoints.size() - 1; i >= 0; i--) {
            Path cp = checkpoints.get(i);
            try {
                Checkpoint.verify(cp);
                return cp;
            } catch (BadInputException e) {
                Path refused = cp.resolveSibling("refused-" + cp.getFileName());
                Checkpoint.deleteRecursively(refused);
                Files.move(cp, refused);
                Warnings.warn("refused checkpoint " + cp + " (" + e.getMessage() + "); moved to " + refused.getFileName()
                    + (i > 0 ? ", resuming from " + checkpoints.get(i - 1).getFileName() : ""));
            }
        }
        throw new BadInputException(runDir + ": no checkpoint passes its checksums; nothing to resume from");
    }

    /** Initialises the weights from another checkpoint (same architecture), e.g. to continue past saturation. */
    private Trainer initFrom(Path checkpoint) throws IOException {
        if (step != 0) throw new IllegalStateException("initFrom on a resumed run");
        SafeTensors.load(Checkpoint.open(checkpoint).modelFile(), model);
        return this;
    }

    /**
     * Runs {@code hook} on the model after every optimizer step (inside the step's scope), e.g. to
     * keep pruned weights at zero during recovery training.
     */
    public Trainer afterEachStep(Consumer<MlmModel> hook) {
        this.afterStep = hook;
        return this;
    }

    public TrainConfig config() {
        return cfg;
    }

    public long step() {
        return step;
    }

    public MlmModel model() {
        return model;
    }

    public Language language() {
        return language;
    }

    // the parts of a step, for TrainProfile
    Optimizer optimizer() { return optimizer; }
    LrSchedule schedule() { return schedule; }
    BatchSource source() { return source; }
    Masking masking() { return masking; }

    /**
     * Trains until {@code cfg.steps} (or {@code stopAt} if smaller and positive), evaluating and
     * checkpointing on schedule. Stops at the first non-finite loss, keeping the last good checkpoint.
     */
    public Outcome run(long stopAt, Consumer<Status> progress) throws IOException {
        long end = stopAt > 0 ? Math.min(stopAt, cfg.steps) : cfg.steps;
        ExactLoss.Result last = null;
        if (step == 0 && lastCheckpoint == null) { // a run resumed at step 0 has its step-0 line and checkpoint
            last = evaluateAndLog(Double.NaN, 0);
            lastCheckpoint = Checkpoint.save(runDir.resolve(CHECKPOINTS), 0, model, optimizer, cfg.optimizer.name, cfg.language);
        }
        double lossSum = 0;
        long lossCount = 0;
        long tokens = 0;
        double trainSeconds = 0;
        double lastKl = last == null ? Double.NaN : last.kl();
        while (step < end) {
            long t0 = System.nanoTime();
            double loss;
            try (PointerScope scope = new PointerScope()) {
                int[][] sentences = source.sentences(step, cfg.batchSize);
                for (int[] s : sentences) tokens += s.length;
                MlmBatch batch = masking.batch(sentences, BatchSource.rngFor(cfg.seed, step, RngStreams.MASKING));
                if (cfg.model.dropout > 0) torch.manual_seed(BatchSource.rngFor(cfg.seed, step, RngStreams.DROPOUT).nextLong());
                model.setTraining(true);
                model.zeroGrad();
                loss = algorithm.gradients(model, new Algorithm.Step(sentences, batch, step));
                if (!Double.isFinite(loss)) return diverged(step + 1, loss);
                if (cfg.gradClip > 0) clipGradients(cfg.gradClip);
                optimizer.step(schedule.at((int) step));
                afterStep.accept(model);
            }
            step++;
            trainSeconds += (System.nanoTime() - t0) / 1e9;
            lossSum += loss;
            lossCount++;
            double tps = tokens / Math.max(trainSeconds, 1e-9);
            if (step % cfg.evalEvery == 0 || step == cfg.steps) {
                last = evaluateAndLog(lossSum / lossCount, tps);
                lastKl = last.kl();
                lossSum = 0;
                lossCount = 0;
            }
            if (step % cfg.checkpointEvery == 0 || step == cfg.steps || step == end) {
                lastCheckpoint = Checkpoint.save(runDir.resolve(CHECKPOINTS), step, model, optimizer,
                    cfg.optimizer.name, cfg.language);
            }
            if (progress != null) progress.accept(new Status(step, cfg.steps, loss, lastKl, tps));
        }
        return new Outcome(step, last, lastCheckpoint, 0);
    }

    private Outcome diverged(long atStep, double loss) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", atStep);
        line.put("event", "diverged");
        line.put("train_loss", Double.toString(loss));
        appendMetrics(line);
        return new Outcome(step, null, lastCheckpoint, atStep);
    }

    /** Scales all gradients by min(1, c / ‖g‖) where ‖g‖ is the global L2 norm. */
    private void clipGradients(double maxNorm) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            double sq = 0;
            List<Tensor> grads = new ArrayList<>();
            for (Tensor p : model.namedParameters().values()) {
                Tensor grad = p.grad();
                if (!grad.defined()) continue;
                grads.add(grad);
                double n = grad.norm().item_double();
                sq += n * n;
            }
            double norm = Math.sqrt(sq);
            if (norm > maxNorm) for (Tensor grad : grads) grad.mul_(new Scalar(maxNorm / (norm + 1e-12)));
        }
    }

    private ExactLoss.Result evaluateAndLog(double trainLoss, double tokensPerSecond) throws IOException {
        ExactLoss.Result r = ExactLoss.evaluate(model, heldOut, EVAL_ROWS);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", step);
        line.put("lr", step < cfg.steps ? schedule.at((int) step) : schedule.at(cfg.steps - 1));
        if (!Double.isNaN(trainLoss)) line.put("train_loss", trainLoss);
        line.put("ce", r.crossEntropy());
        line.put("entropy", r.entropy());
        line.put("kl", r.kl());
        line.put("kl_stderr", r.klStderr());
        line.put("log10_kl", r.log10Kl());
        line.put("val_loss", r.validationLoss());
        if (tokensPerSecond > 0) line.put("tokens_per_second", tokensPerSecond);
        appendMetrics(line);
        return r;
    }

    private void appendMetrics(Map<String, Object> line) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(runDir.resolve(METRICS), StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(JSON.writeValueAsString(line));
            w.write('\n');
        } catch (IOException e) {
            throw Io.naming(runDir.resolve(METRICS), e);
        }
    }

    /** Drops metric lines after {@code lastStep} (written after the checkpoint a resume starts from). */
    private void truncateMetricsAfter(long lastStep) throws IOException {
        Path metrics = runDir.resolve(METRICS);
        if (!Files.exists(metrics)) return;
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                if (JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= lastStep) keep.add(line);
            } catch (IOException e) {
                // a line cut by the interruption: dropped
            }
        }
        Files.write(metrics, keep, StandardCharsets.UTF_8);
    }

    private static void writeRunFile(Path runDir, String name, String text) throws IOException {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new BadInputException("cannot create run directory " + runDir + ": " + e.getMessage());
        }
        if (!Files.isWritable(runDir)) throw new BadInputException("run directory " + runDir + " is not writable");
        Io.writeAtomically(runDir.resolve(name), text);
    }
}
