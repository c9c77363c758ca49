package flatlm.report;

import java.util.List;

/** The claims of {@link Claims} written out: verdicts.csv, the headline table and each section's list. */
final class ClaimTables {
    private ClaimTables() {}

    /** verdicts.csv: one line per claim (columns in the README's "How to read"). */
    static String csv(List<Claims.Claim> cs) {
        StringBuilder s = new StringBuilder(ResultsCsv.line(List.of("experiment", "claim", "task", "predicted", "change", "stderr", "n",
            "df", "t", "p", "mde80", "dkl", "dkl_se", "kl_differs", "verdict", "paper_change", "unit")));
        for (Claims.Claim c : cs) {
            Power.Estimate e = c.estimate();
            s.append(ResultsCsv.line(List.of(c.experiment(), c.claim(), c.task(), c.predicted() > 0 ? "+" : "-", ResultsCsv.num(c.change()),
                ResultsCsv.num(e.n() > 1 ? e.se() : Double.NaN), Integer.toString(e.n()), ResultsCsv.num(e.df()), t(c.t()),
                ResultsCsv.num(e.p()), ResultsCsv.num(e.mde80()), ResultsCsv.num(c.dkl().mean()), ResultsCsv.num(c.dkl().se()),
                Boolean.toString(c.klDiffers()), c.verdict().text(), ResultsCsv.num(c.predicted() * c.paper()), c.metric().unit)));
        }
        return s.toString();
    }

    /** t with its infinities (every seed the same difference: se 0) written out. */
    private static String t(double t) {
        return Double.isInfinite(t) ? (t > 0 ? "inf" : "-inf") : ResultsCsv.num(t);
    }

    /** The headline table: claim | paper | predicted | measured change | t, p | MDE at 80 % power | ΔKL | verdict. */
    static String table(List<Claims.Claim> cs) {
        StringBuilder s = new StringBuilder("| claim | paper | predicted | measured change ± s.e. | t (df), p | MDE at 80 % power | "
            + "ΔKL ± s.e. (nats) | verdict |\n|---|---|:---:|---|---|---|---|---|\n");
        for (Claims.Claim c : cs) {
            s.append("| ").append(c.claim()).append(" | ").append(c.paperText()).append(" | ").append(c.predictedSign()).append(" | ")
                .append(c.ours()).append(" | ").append(c.test()).append(" | ").append(c.mde()).append(" | ").append(c.klText())
                .append(" | ").append(c.verdict().text()).append(" |\n");
        }
        return s.append('\n').toString();
    }

    /** The claims of one experiment as a Markdown list, with what was compared. */
    static String list(List<Claims.Claim> cs, String experiment) {
        StringBuilder s = new StringBuilder();
        for (Claims.Claim c : cs) {
            if (!c.experiment().equals(experiment)) continue;
            s.append("- ").append(c.claim()).append(": **").append(c.verdict().text()).append("**; measured change ").append(c.ours())
                .append(", predicted ").append(c.predictedSign());
            if (Double.isFinite(c.estimate().p())) s.append(", ").append(c.test()).append(", MDE at 80 % power ").append(c.mde());
            if (c.dkl().n() > 0) s.append(", ΔKL ").append(c.klText());
            s.append("; paper ").append(c.paperText()).append(c.note().isEmpty() ? "" : "; " + c.note()).append(".\n");
        }
        return s.append('\n').toString();
    }
}
