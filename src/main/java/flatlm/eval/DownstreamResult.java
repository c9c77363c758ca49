package flatlm.eval;

import flatlm.stats.Summary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one downstream protocol (probe, lookup table, fine-tuning) repeated over
 * seeds: one {@link SeedResult} per seed and their mean ± standard deviation.
 *
 * @param method   "probe", "lookup" or "finetune"
 * @param settings the protocol's settings (solver, sizes, ...), for the JSON result
 */
public record DownstreamResult(String method, String task, int numClasses, List<SeedResult> seeds,
                               Map<String, Object> settings, double seconds) {
    /**
     * One seed: test accuracy (of the rounded prediction for regression), test MSE (regression;
     * NaN otherwise), test cross-entropy of the head (classification probes; NaN otherwise), training accuracy, the training objective at the solution, iterations
     * (L-BFGS iterations or optimiser steps), whether the solver converged, and the Bayes
     * ceiling on the same test examples (NaN when unknown).
     */
    public record SeedResult(long seed, double accuracy, double mse, double crossEntropy, double trainAccuracy, double trainObjective,
                             int iterations, boolean converged, double bayesAccuracy) {}

    public DownstreamResult {
        seeds = List.copyOf(seeds);
        settings = settings == null ? Map.of() : new LinkedHashMap<>(settings);
    }

    public boolean regression() {
        return numClasses == 0;
    }

    public Summary accuracy() {
        return Summary.of(seeds.stream().mapToDouble(SeedResult::accuracy).toArray());
    }

    public Summary mse() {
        return Summary.of(seeds.stream().mapToDouble(SeedResult::mse).toArray());
    }

    /** Test cross-entropy of the probe head (nats), a continuous, lower-variance companion of accuracy. */
    public Summary crossEntropy() {
        return Summary.of(seeds.stream().mapToDouble(SeedResult::crossEntropy).toArray());
    }

    public Summary trainAccuracy() {
        return Summary.of(seeds.stream().mapToDouble(SeedResult::trainAccuracy).toArray());
    }

    /** The Bayes ceiling's mean ± std over seeds, or a NaN summary when unknown. */
    public Summary bayesAccuracy() {
        double[] b = seeds.stream().mapToDouble(SeedResult::bayesAccuracy).toArray();
        for (double v : b) if (Double.isNaN(v)) return Summary.EMPTY;
        return Summary.of(b);
    }

    /** The result as a JSON-ready map (snake_case keys; NaN fields left out). */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", method);
        out.put("task", task);
        out.put("classes", numClasses);
        out.put("regression", regression());
        Summary acc = accuracy();
        out.put("accuracy_mean", acc.mean());
        out.put("accuracy_std", acc.std());
        if (regression()) {
            Summary m = mse();
            out.put("mse_mean", m.mean());
            out.put("mse_std", m.std());
        }
        Summary ce = crossEntropy();
        if (!Double.isNaN(ce.mean())) {
            out.put("cross_entropy_mean", ce.mean());
            out.put("cross_entropy_std", ce.std());
        }
        Summary bayes = bayesAccuracy();
        if (bayes.n() > 0) {
            out.put("bayes_accuracy_mean", bayes.mean());
            out.put("bayes_accuracy_std", bayes.std());
        }
        out.put("train_accuracy_mean", trainAccuracy().mean());
        out.putAll(settings);
        List<Map<String, Object>> per = new ArrayList<>();
        for (SeedResult s : seeds) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seed", s.seed());
            m.put("accuracy", s.accuracy());
            if (!Double.isNaN(s.mse())) m.put("mse", s.mse());
            if (!Double.isNaN(s.crossEntropy())) m.put("cross_entropy", s.crossEntropy());
            m.put("train_accuracy", s.trainAccuracy());
            if (!Double.isNaN(s.trainObjective())) m.put("train_objective", s.trainObjective());
            m.put("iterations", s.iterations());
            m.put("converged", s.converged());
            if (!Double.isNaN(s.bayesAccuracy())) m.put("bayes_accuracy", s.bayesAccuracy());
            per.add(m);
        }
        out.put("seeds", per);
        out.put("seconds", seconds);
        return out;
    }
}
