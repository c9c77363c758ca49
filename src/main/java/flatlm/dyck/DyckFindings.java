package flatlm.dyck;

import flatlm.dyck.DyckExperiment.Options;
import flatlm.dyck.DyckExperiment.Result;
import flatlm.dyck.DyckExperiment.Solution;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The findings of a Dyck run, in words: does every construction fit, is the transferable
 * solution the flattest, from which N does it transfer, did SGD drift toward flatter solutions.
 */
final class DyckFindings {
    private DyckFindings() {}

    static List<String> of(Result r) {
        Options o = r.options();
        List<String> out = new ArrayList<>();
        Solution flat = r.solution(DyckExperiment.TRANSFERABLE_FLATTEST);
        double maxLoss = 0;
        for (Solution x : r.solutions()) if (!x.family().equals("sgd")) maxLoss = Math.max(maxLoss, x.loss());
        out.add(String.format(Locale.ROOT, "All constructions fit the MLM task: largest exact loss %s over the %d masked inputs.",
            DyckReport.sci(maxLoss), r.mlmInputs()));
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
                rfBig.label(), DyckReport.sci(rfBig.downstreamAt(nSmall)));
            out.add(String.format(Locale.ROOT,
                "Transfer: the flattest solution's mean downstream error is below 1e-6 from N = %d samples on (theory: %s expected%s).",
                nSmall, DyckReport.sci(DownstreamProbe.theoryTransferable(o.n(), nSmall)), rfPart));
        }
        for (SgdTrajectory.Run run : r.sgd()) {
            SgdTrajectory.Point first = firstBelow(run, DyckReport.NEAR_ZERO_LOSS);
            SgdTrajectory.Point last = run.last();
            if (first == null) {
                out.add(runLabel(run) + ": the loss never went below " + DyckReport.sci(DyckReport.NEAR_ZERO_LOSS) + "; no statement about the drift.");
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
                DyckReport.sci(last.loss()), o.sgdProbeSamples().length > 0 ? o.sgdProbeSamples()[0] : 0,
                o.sgdProbeSamples().length > 0 ? DyckReport.sci(last.downstream()[0]) : "–"));
        }
        return out;
    }

    /** "id at N = k (error e)" for every solution and N whose mean error exceeds n. */
    static String interpolationPeaks(Result r) {
        List<String> out = new ArrayList<>();
        for (Solution x : r.solutions()) {
            for (DownstreamProbe.Stat st : x.downstream()) {
                if (st.mean() > r.options().n()) {
                    out.add(String.format(Locale.ROOT, "%s (m = %d) at N = %d (%s)", x.id(), x.width(), st.samples(), DyckReport.sci(st.mean())));
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
}
