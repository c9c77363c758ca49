package flatlm.cli;

import flatlm.stats.Summary;
import flatlm.train.CheckpointSweep;
import flatlm.eval.DownstreamResult;
import flatlm.eval.DownstreamSplit;
import flatlm.eval.LanguageCheck;
import flatlm.eval.Probe;
import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.LanguageSpec;
import flatlm.lang.Languages;
import flatlm.model.MlmModel;
import flatlm.model.Torch;
import flatlm.train.Checkpoint;
import flatlm.train.OpenedCheckpoint;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import flatlm.util.Io;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * Shared by {@code probe} and {@code finetune}: one checkpoint ({@code --checkpoint}) or every
 * checkpoint of a run ({@code --checkpoints}), the language stored in the checkpoint (checked
 * against {@code --language} when given), the task, splits, progress and output.
 */
abstract class CheckpointEvalCommand implements Callable<Integer> {
    static final class Target {
        @Option(names = "--checkpoint", paramLabel = "CKPT",
            description = "A checkpoint directory, its model.safetensors, or a run directory (its latest checkpoint).")
        Path checkpoint;

        @Option(names = "--checkpoints", paramLabel = "RUN_DIR",
            description = "Evaluate every checkpoint of a run into a table (CSV beside the JSON), with the exact loss logged at each step.")
        Path runDir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--language", paramLabel = "DIR",
        description = "A language directory ('flatlm lang generate'); must be the checkpoint's language (default: the language stored in the checkpoint).")
    Path languageDir;

    @Setting("train.device")
    @Option(names = "--device", description = "Device of the model: cpu, cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @Mixin
    DownstreamOptions common;

    /** "probe" or "finetune". */
    abstract String method();

    /** Checks what can be checked on the model before the progress bar starts (errors then come alone). */
    void check(MlmModel model, DownstreamTask task) {}

    /** Columns of every row of a --checkpoints table that say what was evaluated (the probe's layer and read). */
    Map<String, String> columns() {
        return Map.of();
    }

    /** Added to the default file name of a --checkpoints table, so two representations never share one. */
    String fileTag() {
        return "";
    }

    /** Units of progress for one checkpoint (seeds, optimiser steps). */
    abstract long work(Probe.Setup setup);

    abstract String unit();

    /** The setup (split sizes, seeds, projection). */
    abstract Probe.Setup setup();

    /** Evaluates a loaded model. */
    abstract DownstreamResult evaluate(MlmModel model, Language language, DownstreamTask task, List<DownstreamSplit> splits,
                                       Probe.Setup setup, Runnable tick);

    /** One text line describing the protocol's settings. */
    abstract String describe(DownstreamResult r);

    record Loaded(Path resolved, Long step, Language language, MlmModel model) {}

    @Override
    public Integer call() throws Exception {
        if (common.threads < 1) throw new BadInputException("--threads must be >= 1, got " + common.threads);
        Torch.setThreads(common.threads);
        Probe.Setup setup = setup();
        Language given = languageDir == null ? null : Languages.load(languageDir);
        return target.checkpoint != null ? single(setup, given) : sweep(setup, given);
    }

    private int single(Probe.Setup setup, Language given) throws IOException {
        OpenedCheckpoint cp = Checkpoint.open(target.checkpoint);
        Path resolved = cp.path();
        Language language = languageOf(cp, given, target.checkpoint.toString());
        DownstreamTask task = LanguageCheck.task(language, common.task, "the checkpoint's language");
        Loaded l = load(cp, language, target.checkpoint.toString());
        List<DownstreamSplit> splits = Probe.splits(task, setup);
        check(l.model(), task);
        DownstreamResult r = withBar(method() + " " + task.name(), work(setup), unit(),
            bar -> evaluate(l.model(), language, task, splits, setup, bar::step));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("checkpoint", resolved.toString());
        if (l.step() != null) json.put("step", l.step());
        json.putAll(r.toJson());
        if (common.out != null) writeJson(common.out, json);
        if (common.json) {
            System.out.println(Configs.toJsonLine(json));
        } else {
            System.out.printf("%s %s (%s) of %s%n", method(), task.name(), classes(r), resolved);
            printText(r, setup, describe(r));
            if (common.out != null) System.out.printf("result     %s%n", common.out);
        }
        return 0;
    }

    private int sweep(Probe.Setup setup, Language given) throws IOException {
        Path runDir = target.runDir;
        List<String> refused = new java.util.ArrayList<>();
        List<Path> checkpoints = CheckpointSweep.verified(runDir, refused);
        // Every checkpoint of a run shares its language: build it (and the splits) once, check the rest.
        Path first = checkpoints.get(0);
        Language language = languageOf(Checkpoint.opened(first), given, first.toString());
        String spec = specJson(first);
        DownstreamTask task = LanguageCheck.task(language, common.task, "the run's language");
        List<DownstreamSplit> splits = Probe.splits(task, setup);
        check(load(Checkpoint.opened(first), language, first.toString()).model(), task);
        CheckpointSweep.Sweep swept = withBar(method() + " " + task.name(), work(setup) * checkpoints.size(), unit(),
            bar -> CheckpointSweep.run(runDir, checkpoints, refused, dir -> {
                if (!spec.equals(specJson(dir))) {
                    throw new BadInputException(dir + ": checkpoint of another language than " + first.getFileName()
                        + " in the same run");
                }
                Loaded l = load(Checkpoint.opened(dir), language, dir.toString());
                return evaluate(l.model(), language, task, splits, setup, bar::step);
            }, null));
        List<CheckpointSweep.Row> rows = swept.rows();
        Path out = common.out != null ? common.out
            : runDir.resolve("downstream").resolve(method() + "-" + task.name().replace(':', '-') + fileTag() + ".json");
        Path csv = CheckpointSweep.write(out, runDir, rows, columns());
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>(columns());
            json.putAll(CheckpointSweep.toJson(runDir, rows));
            System.out.println(Configs.toJsonLine(json));
        } else {
            DownstreamResult any = rows.get(0).result();
            System.out.printf("%s %s (%s) of every checkpoint of %s%n", method(), task.name(), classes(any), runDir);
            System.out.println(describe(any));
            System.out.printf("split      %d train / %d test, seeds %s%n", setup.train(), setup.test(), seedRange(setup));
            boolean reg = any.regression();
            System.out.printf("%10s  %-17s %s%10s %10s%n", "step", "accuracy", reg ? String.format("%-17s ", "mse") : "", "CE", "KL");
            for (CheckpointSweep.Row row : rows) {
                DownstreamResult r = row.result();
                System.out.printf("%10d  %-17s %s%10s %10s%n", row.step(), r.accuracy(),
                    reg ? String.format("%-17s ", r.mse()) : "", fmt(row.loss().get("ce")), fmt(row.loss().get("kl")));
            }
            System.out.printf("table      %s (and %s)%n", csv, out);
        }
        return refusedExit(swept.refused());
    }

    /** 0, or (every other checkpoint evaluated and written) 1 with one line naming the refused checkpoints. */
    static int refusedExit(List<String> refused) {
        if (refused.isEmpty()) return 0;
        System.err.println("flatlm: error: " + refused.size() + " corrupt checkpoint(s) skipped: " + String.join("; ", refused));
        return 1;
    }

    interface BarWork<T> {
        T run(ProgressBar bar) throws IOException;
    }

    /** Runs {@code work} under a progress bar on stderr; an error starts on a fresh line. */
    static <T> T withBar(String task, long max, String unit, BarWork<T> work) throws IOException {
        try {
            try (ProgressBar bar = ProgressBars.create(task, max, unit)) {
                return work.run(bar);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println(); // after the bar's last redraw
            throw e;
        }
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format("%.5f", v);
    }

    static String classes(DownstreamResult r) {
        return r.regression() ? "regression" : r.numClasses() + " classes";
    }

    static String seedRange(Probe.Setup s) {
        return s.seeds() == 1 ? Long.toString(s.seed()) : s.seed() + ".." + s.seedOf(s.seeds() - 1);
    }

    static void printText(DownstreamResult r, Probe.Setup setup, String description) {
        System.out.println(description);
        System.out.printf("split      %d train / %d test, seeds %s%n", setup.train(), setup.test(), seedRange(setup));
        StringBuilder per = new StringBuilder();
        for (DownstreamResult.SeedResult s : r.seeds()) per.append(per.length() == 0 ? "" : " ").append(String.format("%.4f", s.accuracy()));
        System.out.printf("accuracy   %s  (mean ± std over %d seeds: %s)%n", r.accuracy(), r.seeds().size(), per);
        if (r.regression()) System.out.printf("mse        %s%n", r.mse());
        System.out.printf("train acc  %.4f%n", r.trainAccuracy().mean());
        Summary bayes = r.bayesAccuracy();
        if (bayes.n() > 0) System.out.printf("bayes      %s  (ceiling: Bayes-optimal prediction on the same test examples)%n", bayes);
        System.out.printf("time       %.1f s%n", r.seconds());
    }

    static void writeJson(Path out, Map<String, Object> json) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Io.writeString(out, Configs.toJson(json) + "\n");
    }

    private static String specJson(Path resolved) {
        LanguageSpec spec = Checkpoint.opened(resolved).spec();
        return spec == null ? "" : Configs.toJson(spec);
    }

    /** The checkpoint's language (or {@code given}, after checking it is the same). */
    static Language languageOf(OpenedCheckpoint cp, Language given, String what) throws IOException {
        LanguageSpec spec;
        try {
            spec = cp.spec();
        } catch (BadInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadInputException(what + ": unreadable checkpoint (" + e.getMessage() + ")");
        }
        if (spec == null) {
            if (given != null) return given;
            throw new BadInputException(what + ": the checkpoint does not record its language; pass --language DIR");
        }
        Language stored = spec.build();
        if (given != null) LanguageCheck.requireSame(stored, given, "the checkpoint " + what, "--language");
        return stored;
    }

    Loaded load(OpenedCheckpoint cp, Language language, String what) throws IOException {
        MlmModel model;
        try {
            model = cp.model(device); // transformer or LSTM
        } catch (BadInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadInputException(what + ": cannot load the model (" + e.getMessage() + ")");
        }
        LanguageCheck.requireCompatible(model, language, "the checkpoint " + what);
        OptionalLong s = cp.step();
        return new Loaded(cp.path(), s.isPresent() ? s.getAsLong() : null, language, model);
    }
}
