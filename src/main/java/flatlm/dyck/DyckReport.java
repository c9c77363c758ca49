package flatlm.dyck;

import flatlm.dyck.DyckExperiment.Options;
import flatlm.dyck.DyckExperiment.Result;
import flatlm.dyck.DyckExperiment.Solution;
import flatlm.util.Io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The experiment's Markdown report section ({@code dyck.md}); its findings are {@link DyckFindings}, its data files {@link DyckData}. */
public final class DyckReport {
    /** The loss below which a trajectory point counts as "at zero loss" in the summary. */
    public static final double NEAR_ZERO_LOSS = 1e-3;

    private DyckReport() {}

    /** The Markdown section. */
    public static Path writeMarkdown(Result r, Path dir) throws IOException {
        Path md = dir.resolve("dyck.md");
        Io.writeAtomically(md, markdown(r));
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
            n, o.support() == flatlm.lang.dyck.Dyck.Support.EQUAL_COUNT ? " (the paper's variant; " + DyckInputs.sentences(n, o.support()).size() + " sentences)"
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
        String peaks = DyckFindings.interpolationPeaks(r);
        if (!peaks.isEmpty()) {
            s.append("\nErrors above n (worse than predicting 0): ").append(peaks).append(". A minimum-norm head "
                + "interpolates its N samples: with very few samples it can overshoot (N = 1), and with N close to the "
                + "number of features m it goes through an ill-conditioned Gram matrix (the interpolation peak of "
                + "\"double descent\"). The theorem's head is this min-norm one, so we report it as is.\n");
        }
        s.append("\nPer-block traces, the Gauss–Newton/residual split, the dense-Hessian cross-check of the small models and "
            + "every N are in `dyck-solutions.csv`, `dyck-downstream.csv` and `dyck.json`.\n\n");

        s.append("### Findings\n\n");
        for (String f : DyckFindings.of(r)) s.append("- ").append(f).append('\n');
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
                SgdTrajectory.Point first = DyckFindings.firstBelow(run, NEAR_ZERO_LOSS);
                SgdTrajectory.Point last = run.last();
                s.append("| ").append(DyckFindings.runLabel(run)).append(" | ").append(first == null ? "never" : Integer.toString(first.step()))
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
        if (o.support() != d.support()) c.append(" --support ").append(o.support().id());
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
}
