package flatlm.dyck;

import flatlm.dyck.DyckExperiment.Options;
import flatlm.dyck.DyckExperiment.Result;
import flatlm.dyck.DyckExperiment.Solution;
import flatlm.util.Configs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes the experiment's data files and its Markdown report section ({@code dyck.md}). */
public final class DyckReport {
    /** The loss below which a trajectory point counts as "at zero loss" in the summary. */
    public static final double NEAR_ZERO_LOSS = 1e-3;

    private DyckReport() {}

    /** dyck.json, dyck-solutions.csv, dyck-downstream.csv, dyck-sgd.csv. */
    public static Map<String, Path> writeData(Result r, Path dir) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Path json = dir.resolve("dyck.json");
        write(json, Configs.toJson(toMap(r)) + "\n");
        out.put("dyck.json", json);

        StringBuilder sol = new StringBuilder("id,family,width,params,mlm_loss,max_abs_residual,trace,trace_gauss_newton,"
            + "trace_W_Q,trace_W_K,trace_W_V,trace_w,trace_a,theory_trace,dense_trace,min_abs_preactivation\n");
        for (Solution s : r.solutions()) {
            sol.append(String.join(",", s.id(), s.family(), Integer.toString(s.width()), Integer.toString(s.numParams()),
                num(s.loss()), num(s.maxResidual()), num(s.trace()), num(s.traceGaussNewton())));
            for (double b : s.traceBlocks()) sol.append(',').append(num(b));
            sol.append(',').append(num(s.theoryTrace())).append(',').append(num(s.denseTrace()))
                .append(',').append(num(s.minAbsPreactivation())).append('\n');
        }
        Path solCsv = dir.resolve("dyck-solutions.csv");
        write(solCsv, sol.toString());
        out.put("dyck-solutions.csv", solCsv);

        StringBuilder down = new StringBuilder("id,samples,mean_mse,stderr,seeds\n");
        int[] ns = r.options().samples();
        for (int i = 0; i < ns.length; i++) {
            down.append("theory-flattest,").append(ns[i]).append(',').append(num(r.theoryDownstream()[i])).append(",0,0\n");
        }
        for (Solution s : r.solutions()) {
            for (DownstreamProbe.Stat st : s.downstream()) {
                down.append(s.id()).append(',').append(st.samples()).append(',').append(num(st.mean())).append(',')
                    .append(num(st.stderr())).append(',').append(st.perSeed().length).append('\n');
            }
        }
        Path downCsv = dir.resolve("dyck-downstream.csv");
        write(downCsv, down.toString());
        out.put("dyck-downstream.csv", downCsv);

        if (!r.sgd().isEmpty()) {
            StringBuilder sgd = new StringBuilder("run,step,mlm_loss,trace,trace_gauss_newton,trace_W_Q,trace_W_K,trace_W_V,trace_w,trace_a,"
                + "min_abs_preactivation,attention_entropy_gap");
            for (int p : r.options().sgdProbeSamples()) sgd.append(",downstream_mse_N").append(p);
            sgd.append('\n');
            for (SgdTrajectory.Run run : r.sgd()) {
                for (SgdTrajectory.Point p : run.points()) {
                    sgd.append(run.label()).append(',').append(p.step()).append(',').append(num(p.loss())).append(',')
                        .append(num(p.trace())).append(',').append(num(p.traceGaussNewton()));
                    for (double b : p.traceBlocks()) sgd.append(',').append(num(b));
                    sgd.append(',').append(num(p.minAbsPreactivation())).append(',').append(num(p.meanAttentionEntropyGap()));
                    for (double d : p.downstream()) sgd.append(',').append(num(d));
                    sgd.append('\n');
                }
            }
            Path sgdCsv = dir.resolve("dyck-sgd.csv");
            write(sgdCsv, sgd.toString());
            out.put("dyck-sgd.csv", sgdCsv);
        }
        return out;
    }

    static Map<String, Object> toMap(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", "dyck");
        m.put("options", r.options().toMap());
        m.put("mlmInputs", r.mlmInputs());
        m.put("downstreamStrings", r.downstreamStrings());
        m.put("lossConvention", "L = 1/2 E (f - y)^2; Tr over W_Q, W_K, W_V, w, a");
        m.put("traceLowerBound", r.traceBound());
        m.put("probPositiveCount", r.probPositive());
        Map<String, Object> th = new LinkedHashMap<>();
        for (int i = 0; i < r.options().samples().length; i++) th.put(Integer.toString(r.options().samples()[i]), r.theoryDownstream()[i]);
        m.put("theoryDownstreamFlattest", th);
        List<Object> sols = new ArrayList<>();
        for (Solution s : r.solutions()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", s.id());
            o.put("label", s.label());
            o.put("family", s.family());
            o.put("width", s.width());
            o.put("params", s.numParams());
            o.put("mlmLoss", fin(s.loss()));
            o.put("maxAbsResidual", fin(s.maxResidual()));
            o.put("trace", fin(s.trace()));
            o.put("traceGaussNewton", fin(s.traceGaussNewton()));
            Map<String, Object> blocks = new LinkedHashMap<>();
            for (int b = 0; b < OneLayerModel.BLOCKS.length; b++) blocks.put(OneLayerModel.BLOCKS[b], fin(s.traceBlocks()[b]));
            o.put("traceBlocks", blocks);
            o.put("theoryTrace", fin(s.theoryTrace()));
            o.put("theoryNote", s.theoryNote());
            o.put("denseTrace", fin(s.denseTrace()));
            o.put("minAbsPreactivation", fin(s.minAbsPreactivation()));
            List<Object> curve = new ArrayList<>();
            for (DownstreamProbe.Stat st : s.downstream()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("samples", st.samples());
                c.put("mean", fin(st.mean()));
                c.put("stderr", fin(st.stderr()));
                curve.add(c);
            }
            o.put("downstream", curve);
            sols.add(o);
        }
        m.put("solutions", sols);
        List<Object> runs = new ArrayList<>();
        for (SgdTrajectory.Run run : r.sgd()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("run", run.label());
            o.put("labelNoise", run.options().labelNoise());
            o.put("noiseFreeTail", run.options().noiseFreeTail());
            List<Object> pts = new ArrayList<>();
            for (SgdTrajectory.Point p : run.points()) {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("step", p.step());
                q.put("mlmLoss", fin(p.loss()));
                q.put("trace", fin(p.trace()));
                q.put("downstream", p.downstream());
                pts.add(q);
            }
            o.put("points", pts);
            runs.add(o);
        }
        m.put("sgd", runs);
        m.put("seconds", r.seconds());
        return m;
    }

    /** The Markdown section. */
    public static Path writeMarkdown(Result r, Path dir) throws IOException {
        Path md = dir.resolve("dyck.md");
        write(md, markdown(r));
        return md;
    }

    public static String markdown(Result r) {
        Options o = r.options();
        int n = o.n();
        StringBuilder s = new StringBuilder();
        s.append("## Experiment 4: the Dyck-language theorem (paper Section 6)\n\n");
        s.append(String.format(Locale.ROOT,
            "**Setting.** Sentences of length n = %d with as many \"(\" as \")\"%s, one position masked: "
                + "%d masked inputs, all enumerated, so every loss and trace below is exact. Model: the paper's one-layer "
                + "transformer (W_Q, W_K, W_V ∈ R^{%d×%d}, m ReLU neurons w_j, output weights a, output read at the first "
                + "position), loss L = ½ E (f − y)² with y = ±1 the masked bracket. **Tr(H)** is the trace of the Hessian of L "
                + "over all parameters (W_Q, W_K, W_V, w, a), computed exactly: E‖∇f‖² + E (f − y) Tr ∇²f (ReLU'' = 0: no input "
                + "sits at a kink; the nearest distance is in `dyck-solutions.csv`). With the un-halved loss every trace doubles. "
                + "**Downstream:** n i.i.d. uniform brackets (%d strings), target #\"(\" − #\")\"; the first layer is frozen and a "
                + "head on the hidden activations is fitted by minimum-norm least squares on N samples (as in Theorem 6.1); "
                + "error = exact population MSE (predicting 0 scores n = %d), mean over %d draws of the N samples.\n\n",
            n, o.support() == DyckInputs.Support.EQUAL_COUNTS ? " (the paper's variant; " + DyckInputs.sentences(n, o.support()).size() + " sentences)"
                : " and no prefix with more \")\" than \"(\" (proper Dyck words; " + DyckInputs.sentences(n, o.support()).size() + " sentences; the theorem assumes the paper's variant)",
            r.mlmInputs(), 2 * n, 2 * n, r.downstreamStrings(), n, o.probeSeeds()));
        s.append("**What the theorem predicts** (our reconstruction of Theorem 6.1 and Lemmas D.1–D.4 in this normalisation):\n\n");
        s.append(String.format(Locale.ROOT,
            "- every solution with zero MLM loss has Tr(H) ≥ 3 n^{-1/3} = **%.4f**: at zero loss Tr(H) = E‖∇f‖² (Lemma D.4) ≥ "
                + "‖∇_{W_V}f‖² + ‖∇_w f‖² + ‖∇_a f‖² ≥ 3 (f⁴ ‖u‖²)^{1/3} (AM–GM and Cauchy–Schwarz) with ‖u‖² = Σα_t² ≥ 1/n; "
                + "equality needs uniform attention, no cancellation between active neurons, and an attention output on one "
                + "line (the count direction) for every input, i.e. a transferable solution (Lemma D.3);\n", r.traceBound()));
        s.append(String.format(Locale.ROOT,
            "- on such a flattest solution the min-norm head is exact once the N samples include a positive and a negative "
                + "count, so the expected downstream error is n (1 − p)^N with p = P(count > 0) = %.4f;\n", r.probPositive()));
        s.append("- random-feature solutions reach zero MLM loss once m is large enough (Theorem D.6) but are not flattest, "
            + "so their Tr(H) exceeds the bound whatever their scaling;\n");
        s.append("- SGD: the paper's mechanism is noise in the MLM targets, whose implicit regulariser on the zero-loss "
            + "manifold is Tr(H) (label-noise SGD, Blanc et al. 2020, Damian et al. 2021). Here the masked bracket is a "
            + "deterministic function of the input, so without added noise every per-sample gradient vanishes at "
            + "interpolation and nothing drives SGD further; we run both.\n\n");

        int[] cols = tableColumns(o.samples());
        s.append("### Solutions\n\n| solution | m | MLM loss | Tr(H) | theory Tr(H) |");
        for (int c : cols) s.append(" error, N = ").append(c).append(" |");
        s.append("\n|---|---:|---:|---:|---|");
        for (int ignored : cols) s.append("---:|");
        s.append('\n');
        s.append("| theory, flattest solution | | 0 | ").append(f4(r.traceBound())).append(" | bound |");
        for (int c : cols) s.append(' ').append(sci(DownstreamProbe.theoryTransferable(n, c))).append(" |");
        s.append('\n');
        for (Solution x : r.solutions()) {
            s.append("| ").append(x.label()).append(" | ").append(x.width()).append(" | ").append(sci(x.loss())).append(" | ")
                .append(f4(x.trace())).append(" | ");
            s.append(Double.isNaN(x.theoryTrace()) ? x.theoryNote() : f4(x.theoryTrace()) + " = " + x.theoryNote()).append(" |");
            for (int c : cols) s.append(' ').append(sci(x.downstreamAt(c))).append(" |");
            s.append('\n');
        }
        String peaks = interpolationPeaks(r);
        if (!peaks.isEmpty()) {
            s.append("\nErrors above n (worse than predicting 0): ").append(peaks).append(". A minimum-norm head "
                + "interpolates its N samples: with very few samples it can overshoot (N = 1), and with N close to the "
                + "number of features m it goes through an ill-conditioned Gram matrix (the interpolation peak of "
                + "\"double descent\"). The theorem's head is this min-norm one, so we report it as is.\n");
        }
        s.append("\nPer-block traces, the Gauss–Newton/residual split, the dense-Hessian cross-check of the small models and "
            + "every N are in `dyck-solutions.csv`, `dyck-downstream.csv` and `dyck.json`.\n\n");

        s.append("### Findings\n\n");
        for (String f : findings(r)) s.append("- ").append(f).append('\n');
        s.append('\n');

        if (!r.sgd().isEmpty()) {
            s.append("### SGD trajectories\n\n");
            s.append(String.format(Locale.ROOT,
                "Mini-batch SGD from a random initialisation (m = %d, entries N(0, %s²/fan-in)), batch %d, constant learning "
                    + "rate %s, fresh samples every step, %d steps; both runs share the initialisation and the data.\n\n",
                o.sgdWidth(), DyckExperiment.fmt(o.sgdInitScale()), o.sgdBatch(), DyckExperiment.fmt(o.sgdLr()), o.sgdSteps()));
            s.append("| run | first step with loss < ").append(sci(NEAR_ZERO_LOSS)).append(" | Tr(H) there | Tr(H) at the end | loss at the end |");
            for (int p : o.sgdProbeSamples()) s.append(" error N = ").append(p).append(" there | at the end |");
            s.append("\n|---|---:|---:|---:|---:|");
            for (int ignored : o.sgdProbeSamples()) s.append("---:|---:|");
            s.append('\n');
            for (SgdTrajectory.Run run : r.sgd()) {
                SgdTrajectory.Point first = firstBelow(run, NEAR_ZERO_LOSS);
                SgdTrajectory.Point last = run.last();
                s.append("| ").append(runLabel(run)).append(" | ").append(first == null ? "never" : Integer.toString(first.step()))
                    .append(" | ").append(first == null ? "–" : f4(first.trace())).append(" | ").append(f4(last.trace()))
                    .append(" | ").append(sci(last.loss())).append(" |");
                for (int j = 0; j < o.sgdProbeSamples().length; j++) {
                    s.append(' ').append(first == null ? "–" : sci(first.downstream()[j])).append(" | ")
                        .append(sci(last.downstream()[j])).append(" |");
                }
                s.append('\n');
            }
            s.append("\nEvery evaluation is in `dyck-sgd.csv` (loss, trace per block, attention entropy gap log n − H(α), "
                + "downstream errors).\n\n");
        }

        s.append("### Figures\n\n");
        s.append("![Tr(H) per solution](dyck-trace.png)\n\n![Downstream error vs N](dyck-downstream.png)\n\n");
        if (!r.sgd().isEmpty()) s.append("![SGD: Tr(H)](dyck-sgd-trace.png)\n\n![SGD: loss and downstream error](dyck-sgd-loss.png)\n\n");
        s.append("(SVG versions beside the PNGs.)\n\n");
        s.append("Reproduce: `").append(command(o)).append(String.format(Locale.ROOT, "` (%.0f s wall-clock for this run, single-threaded).\n", r.seconds()));
        return s.toString();
    }

    static List<String> findings(Result r) {
        Options o = r.options();
        List<String> out = new ArrayList<>();
        Solution flat = r.solution(DyckExperiment.TRANSFERABLE_FLATTEST);
        double maxLoss = 0;
        for (Solution x : r.solutions()) if (!x.family().equals("sgd")) maxLoss = Math.max(maxLoss, x.loss());
        out.add(String.format(Locale.ROOT, "All constructions fit the MLM task: largest exact loss %s over the %d masked inputs.",
            sci(maxLoss), r.mlmInputs()));
        double minRf = Double.POSITIVE_INFINITY;
        String minRfId = null;
        for (Solution x : r.solutions()) {
            if (x.family().equals("random-features") && x.trace() < minRf) { minRf = x.trace(); minRfId = x.label(); }
        }
        if (minRfId != null) {
            boolean ok = flat.trace() < minRf;
            out.add(String.format(Locale.ROOT,
                "Flatness: the flattest transferable solution has Tr(H) = %.4f (the bound %.4f); the flattest random-feature "
                    + "solution (%s) has %.4f, %.1f× larger. %s",
                flat.trace(), r.traceBound(), minRfId, minRf, minRf / flat.trace(),
                ok ? "As the theorem says, the transferable solution is the flattest." : "This CONTRADICTS the theorem's ordering."));
        }
        int nSmall = smallestExact(flat, 1e-6);
        if (nSmall > 0) {
            Solution rfBig = null;
            for (Solution x : r.solutions()) if (x.family().equals("random-features") && !x.id().endsWith("balanced")) rfBig = x;
            String rfPart = rfBig == null ? "" : String.format(Locale.ROOT, "; at that N the %s solution's error is %s",
                rfBig.label(), sci(rfBig.downstreamAt(nSmall)));
            out.add(String.format(Locale.ROOT,
                "Transfer: the flattest solution's mean downstream error is below 1e-6 from N = %d samples on (theory: %s expected%s).",
                nSmall, sci(DownstreamProbe.theoryTransferable(o.n(), nSmall)), rfPart));
        }
        for (SgdTrajectory.Run run : r.sgd()) {
            SgdTrajectory.Point first = firstBelow(run, NEAR_ZERO_LOSS);
            SgdTrajectory.Point last = run.last();
            if (first == null) {
                out.add(runLabel(run) + ": the loss never went below " + sci(NEAR_ZERO_LOSS) + "; no statement about the drift.");
                continue;
            }
            double change = (last.trace() - first.trace()) / first.trace();
            String verdict;
            if (change < -0.25) {
                verdict = String.format(Locale.ROOT, "drifted toward flatter solutions after reaching ~0 loss: Tr(H) %.3f → %.3f (%.0f%%), "
                    + "%.2f× the bound at the end", first.trace(), last.trace(), 100 * change, last.trace() / r.traceBound());
            } else {
                verdict = String.format(Locale.ROOT, "did not drift appreciably after reaching ~0 loss: Tr(H) %.3f → %.3f (%+.0f%%), "
                    + "%.1f× the bound; the effect does not show at our scale without target noise", first.trace(), last.trace(),
                    100 * change, last.trace() / r.traceBound());
            }
            out.add(runLabel(run) + " " + verdict + String.format(Locale.ROOT, " (final loss %s, downstream error at N = %d: %s).",
                sci(last.loss()), o.sgdProbeSamples().length > 0 ? o.sgdProbeSamples()[0] : 0,
                o.sgdProbeSamples().length > 0 ? sci(last.downstream()[0]) : "–"));
        }
        return out;
    }

    /** "id at N = k (error e)" for every solution and N whose mean error exceeds n. */
    static String interpolationPeaks(Result r) {
        List<String> out = new ArrayList<>();
        for (Solution x : r.solutions()) {
            for (DownstreamProbe.Stat st : x.downstream()) {
                if (st.mean() > r.options().n()) {
                    out.add(String.format(Locale.ROOT, "%s (m = %d) at N = %d (%s)", x.id(), x.width(), st.samples(), sci(st.mean())));
                }
            }
        }
        return String.join(", ", out);
    }

    static String runLabel(SgdTrajectory.Run run) {
        return run.options().labelNoise() > 0
            ? "SGD with label noise σ = " + DyckExperiment.fmt(run.options().labelNoise()) + " (noise-free last "
                + run.options().noiseFreeTail() + " steps)"
            : "SGD without label noise";
    }

    static SgdTrajectory.Point firstBelow(SgdTrajectory.Run run, double threshold) {
        for (SgdTrajectory.Point p : run.points()) if (p.loss() < threshold) return p;
        return null;
    }

    /** Smallest measured N whose mean error is below tol (−1 if none). */
    static int smallestExact(Solution s, double tol) {
        for (DownstreamProbe.Stat st : s.downstream()) if (st.mean() < tol) return st.samples();
        return -1;
    }

    static int[] tableColumns(int[] samples) {
        List<Integer> pick = new ArrayList<>();
        for (int c : new int[]{4, 16, 64}) for (int x : samples) if (x == c) pick.add(c);
        if (pick.size() < 2) {
            pick.clear();
            pick.add(samples[0]);
            if (samples.length > 2) pick.add(samples[samples.length / 2]);
            if (samples.length > 1) pick.add(samples[samples.length - 1]);
        }
        return pick.stream().mapToInt(Integer::intValue).toArray();
    }

    static String command(Options o) {
        Options d = Options.defaults();
        StringBuilder c = new StringBuilder("flatlm dyck --n ").append(o.n());
        if (o.support() != d.support()) c.append(" --support ").append(o.support().label());
        if (!java.util.Arrays.equals(o.widths(), d.widths())) c.append(" --widths ").append(o.widths().length == 0 ? "none" : join(o.widths()));
        if (!java.util.Arrays.equals(o.samples(), d.samples())) c.append(" --samples ").append(join(o.samples()));
        if (o.probeSeeds() != d.probeSeeds()) c.append(" --probe-seeds ").append(o.probeSeeds());
        if (o.seed() != d.seed()) c.append(" --seed ").append(o.seed());
        if (o.sgdWidth() != d.sgdWidth()) c.append(" --sgd-width ").append(o.sgdWidth());
        if (o.sgdInitScale() != d.sgdInitScale()) c.append(" --init-scale ").append(DyckExperiment.fmt(o.sgdInitScale()));
        if (o.sgdLr() != d.sgdLr()) c.append(" --lr ").append(DyckExperiment.fmt(o.sgdLr()));
        if (o.sgdBatch() != d.sgdBatch()) c.append(" --batch ").append(o.sgdBatch());
        if (o.sgdSteps() != d.sgdSteps()) c.append(" --sgd-steps ").append(o.sgdSteps());
        if (o.sgdEvalEvery() != d.sgdEvalEvery()) c.append(" --eval-every ").append(o.sgdEvalEvery());
        if (o.labelNoise() != d.labelNoise()) c.append(" --label-noise ").append(DyckExperiment.fmt(o.labelNoise()));
        if (o.noiseFreeTail() != d.noiseFreeTail()) c.append(" --noise-free-tail ").append(o.noiseFreeTail());
        if (!java.util.Arrays.equals(o.sgdProbeSamples(), d.sgdProbeSamples())) c.append(" --sgd-probe-samples ").append(join(o.sgdProbeSamples()));
        if (o.denseCheckMaxParams() != d.denseCheckMaxParams()) c.append(" --dense-check-max-params ").append(o.denseCheckMaxParams());
        if (!o.plots()) c.append(" --no-plots");
        return c.append(" --out DIR").toString();
    }

    static String join(int[] a) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < a.length; i++) b.append(i == 0 ? "" : ",").append(a[i]);
        return b.toString();
    }

    static String f4(double x) {
        if (Double.isNaN(x)) return "–";
        return String.format(Locale.ROOT, Math.abs(x) >= 1000 ? "%.1f" : "%.4f", x);
    }

    static String sci(double x) {
        if (Double.isNaN(x)) return "–";
        if (x == 0) return "0";
        if (Math.abs(x) >= 0.01 && Math.abs(x) < 1000) return String.format(Locale.ROOT, "%.3g", x);
        return String.format(Locale.ROOT, "%.1e", x);
    }

    static String num(double x) {
        return Double.isFinite(x) ? Double.toString(x) : "";
    }

    static Double fin(double x) {
        return Double.isFinite(x) ? x : null;
    }

    static void write(Path p, String text) throws IOException {
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
