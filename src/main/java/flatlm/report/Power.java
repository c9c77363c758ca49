package flatlm.report;

import flatlm.stats.Summary;
import flatlm.stats.TTest;

/**
 * The verdict of a claim from its paired differences over pre-training seeds (the arithmetic in
 * {@link TTest}).
 *
 * <p>Per pre-training seed s a paired difference Δ_s of the claim's metric, signed so that the
 * paper's direction is positive (the report shows the measured change with its own sign, see
 * {@link Claims}). With n ≥ 2 seeds: effect = mean Δ_s, se = sd(Δ_s)/√n, the paired t test with
 * df = n − 1, two-sided p, and mde80 = (t_{0.975,df} + t_{0.80,df})·se, the effect the design
 * detects with probability 0.80. Against the seedless lookup table, Welch–Satterthwaite df
 * ({@link TTest#againstFixed}).
 *
 * <p>Verdict: <b>held</b> when the two-sided test rejects (p &lt; 0.05) with the effect in the
 * paper's direction; <b>opposite</b> when it rejects the other way; otherwise <b>inconclusive</b>
 * when mde80 exceeds the paper's effect (the design could not have seen it), else <b>did not
 * hold</b> (with mde80). Without a paper number: held, opposite, or <b>not detected</b> (with
 * mde80). With one pre-training seed there is no spread across seeds to test against:
 * <b>not tested (1 seed)</b>.
 */
final class Power {
    private Power() {}

    /** A claim's test: the effect in the paper's direction ± se over n seeds, df, t, two-sided p and mde80. */
    record Estimate(double effect, double se, int n, double df, double t, double p, double mde80) {
        static final Estimate NONE = of(TTest.Result.NONE);

        static Estimate of(TTest.Result r) {
            return new Estimate(r.mean(), r.se(), r.n(), r.df(), r.t(), r.p(), r.mde80());
        }
    }

    enum Outcome { HELD, NOT_DETECTED, DID_NOT_HOLD, OPPOSITE, INCONCLUSIVE, UNTESTED }

    /** A verdict class and its text ("held", "inconclusive (mde80 3.4 points > paper's 1.6)", ...). */
    record Verdict(Outcome outcome, String text) {
        static Verdict untested(String why) {
            return new Verdict(Outcome.UNTESTED, "could not be tested (" + why + ")");
        }

        static final Verdict ONE_SEED = new Verdict(Outcome.UNTESTED, "not tested (1 seed)");

        /** One word or two for a table cell. */
        String brief() {
            return switch (outcome) {
                case HELD -> "held";
                case NOT_DETECTED -> "not detected";
                case DID_NOT_HOLD -> "did not hold";
                case OPPOSITE -> "opposite";
                case INCONCLUSIVE -> "inconclusive";
                case UNTESTED -> "not tested";
            };
        }
    }

    /** The paired t test of the differences (NaN dropped). */
    static Estimate paired(double[] deltas) {
        return Estimate.of(TTest.paired(deltas));
    }

    /** Against a side without seed with standard error {@code fixedSe} from {@code fixedN} probe seeds (Welch–Satterthwaite df). */
    static Estimate againstFixed(double[] deltas, double fixedSe, int fixedN) {
        return Estimate.of(TTest.againstFixed(deltas, fixedSe, fixedN));
    }

    /**
     * Descriptive mean ± s.e. over seeds for plots and tables (no verdict): sd/√n for n ≥ 2; for
     * one value its own error bar {@code oneSeedErr} (probe-seed std, Tr(H) s.e.).
     */
    static double[] meanSe(double[] values, double oneSeedErr) {
        Summary s = Summary.ofFinite(values);
        return new double[] {s.mean(), s.n() == 1 ? oneSeedErr : s.se()};
    }

    /** Standard error of a probe accuracy (or probe CE): std/√n over probe seeds; NaN with fewer than two seeds. */
    static double probeSe(double std, int n) {
        return n >= 2 && Double.isFinite(std) ? std / Math.sqrt(n) : Double.NaN;
    }

    /**
     * The verdict rule of the class comment; {@code paper} the paper's effect in its own direction
     * (positive), NaN when the paper gives no number. Numbers in the text use {@code digits}
     * decimals and {@code unit}.
     */
    static Verdict verdict(Estimate e, double paper, int digits, String unit) {
        if (e.n() == 0 || !Double.isFinite(e.effect())) return Verdict.untested("no comparable pair");
        if (e.n() == 1) return Verdict.ONE_SEED;
        if (Double.isNaN(e.p())) return Verdict.untested("no error bar");
        String mde = "mde80 " + Fmt.f(e.mde80(), digits) + (unit.isEmpty() ? "" : " " + unit);
        if (e.p() < TTest.ALPHA) return e.effect() > 0 ? new Verdict(Outcome.HELD, "held") : new Verdict(Outcome.OPPOSITE, "opposite");
        if (!Double.isFinite(paper)) return new Verdict(Outcome.NOT_DETECTED, "not detected (" + mde + ")");
        if (e.mde80() > Math.abs(paper)) {
            return new Verdict(Outcome.INCONCLUSIVE, "inconclusive (" + mde + " > paper's " + Fmt.f(Math.abs(paper), digits) + ")");
        }
        return new Verdict(Outcome.DID_NOT_HOLD, "did not hold (" + mde + " ≤ paper's " + Fmt.f(Math.abs(paper), digits) + ")");
    }
}
