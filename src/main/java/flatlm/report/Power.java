package flatlm.report;

/**
 * The arithmetic behind every verdict: a paired effect over pre-training seeds, its standard
 * error, the minimal detectable difference and the verdict rule.
 *
 * <p>Per pre-training seed s a paired difference Δ_s of the claim's metric, signed so that the
 * paper's direction is positive. With n ≥ 2 seeds
 * <pre>
 *   effect = mean Δ_s,   se = sd(Δ_s) / √n   (sd with n − 1),
 * </pre>
 * with one seed the probe-seed standard error of that single difference,
 * se = √(s_a²/n_a + s_b²/n_b). When one side has no seed (the lookup table) every Δ_s uses its
 * one value, and its own standard error se_f = std/√n_probe is added:
 * se = √(sd(Δ_s)²/n + se_f²). The minimal detectable difference is mdd = 2·se.
 *
 * <p>Verdict: <b>held</b> when effect &gt; 2·se; <b>did not hold (opposite direction)</b> when
 * effect &lt; −2·se; otherwise <b>inconclusive</b> when mdd &gt; the paper's effect (the design
 * could not have seen it), else <b>did not hold</b>. Without a paper number: held or
 * <b>not detected</b>.
 */
final class Power {
    private Power() {}

    /** effect ± se from n seeds; {@code seedSe} false when se came from the probe seeds (n = 1). */
    record Estimate(double effect, double se, int n, boolean seedSe) {
        static final Estimate NONE = new Estimate(Double.NaN, Double.NaN, 0, false);

        /** Minimal detectable difference, 2·se. */
        double mdd() {
            return 2 * se;
        }
    }

    enum Outcome { HELD, NOT_DETECTED, DID_NOT_HOLD, OPPOSITE, INCONCLUSIVE, UNTESTED }

    /** A verdict class and its text ("held", "inconclusive (detectable 3.4 points > paper 1.6)", ...). */
    record Verdict(Outcome outcome, String text) {
        static Verdict untested(String why) {
            return new Verdict(Outcome.UNTESTED, "could not be tested (" + why + ")");
        }

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

    /** Paired over seeds: mean Δ ± sd(Δ)/√n for n ≥ 2; for n = 1, Δ ± {@code oneSeedSe}. NaN deltas are dropped. */
    static Estimate paired(double[] deltas, double oneSeedSe) {
        return againstFixed(deltas, 0, oneSeedSe);
    }

    /**
     * A side without seed (standard error {@code fixedSe}) against n seeds: mean Δ ± √(sd(Δ)²/n + se_f²)
     * for n ≥ 2; for n = 1, Δ ± {@code oneSeedSe} (which already holds both sides).
     */
    static Estimate againstFixed(double[] deltas, double fixedSe, double oneSeedSe) {
        double[] d = Statistics.complete(deltas)[0];
        int n = d.length;
        if (n == 0) return Estimate.NONE;
        if (n == 1) return new Estimate(d[0], oneSeedSe, 1, false);
        double mean = 0;
        for (double v : d) mean += v;
        mean /= n;
        double ss = 0;
        for (double v : d) ss += (v - mean) * (v - mean);
        double var = ss / (n - 1), f = Double.isFinite(fixedSe) ? fixedSe : 0;
        return new Estimate(mean, Math.sqrt(var / n + f * f), n, true);
    }

    /** Standard error of a probe accuracy (or probe CE): std/√n over probe seeds; NaN with fewer than two seeds. */
    static double probeSe(double std, int n) {
        return n >= 2 && Double.isFinite(std) ? std / Math.sqrt(n) : Double.NaN;
    }

    /** √(se_a² + se_b²), NaN when either is unknown. */
    static double combined(double seA, double seB) {
        return Math.sqrt(seA * seA + seB * seB);
    }

    /**
     * The verdict rule of the class comment; {@code paper} NaN when the paper gives no number.
     * Numbers in the text use {@code digits} decimals and {@code unit}.
     */
    static Verdict verdict(Estimate e, double paper, int digits, String unit) {
        if (e.n() == 0 || !Double.isFinite(e.effect())) return Verdict.untested("no comparable pair");
        if (!Double.isFinite(e.se())) return Verdict.untested("no error bar: one pre-training seed and no probe-seed spread");
        double mdd = e.mdd(), x = e.effect();
        String u = unit.isEmpty() ? "" : " " + unit;
        if (x > mdd && x > 0) return new Verdict(Outcome.HELD, "held");
        if (x < -mdd && x < 0) {
            return Double.isFinite(paper) ? new Verdict(Outcome.OPPOSITE, "did not hold (opposite direction)")
                : new Verdict(Outcome.OPPOSITE, "not detected (opposite direction beyond 2 s.e.; mdd " + Fmt.f(mdd, digits) + u + ")");
        }
        if (!Double.isFinite(paper)) return new Verdict(Outcome.NOT_DETECTED, "not detected (mdd " + Fmt.f(mdd, digits) + u + ")");
        if (mdd > paper) {
            return new Verdict(Outcome.INCONCLUSIVE, "inconclusive (detectable " + Fmt.f(mdd, digits) + u + " > paper's "
                + Fmt.f(paper, digits) + ")");
        }
        return new Verdict(Outcome.DID_NOT_HOLD, "did not hold (the design detects " + Fmt.f(mdd, digits) + u
            + ", the paper's effect is " + Fmt.f(paper, digits) + ")");
    }
}
