package flatlm.report;

import java.util.Locale;

/** Number formatting for the report: NaN prints as "–". */
final class Fmt {
    static final String NA = "–";

    private Fmt() {}

    static String f(double v, int digits) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : NA;
    }

    /** Three significant digits (KL, losses near zero). */
    static String g(double v) {
        if (!Double.isFinite(v)) return NA;
        if (v == 0) return "0";
        double a = Math.abs(v);
        return a >= 1e-3 && a < 1e5 ? String.format(Locale.ROOT, "%.3g", v) : String.format(Locale.ROOT, "%.2e", v);
    }

    static String pm(double v, double se, int digits) {
        if (!Double.isFinite(v)) return NA;
        return Double.isFinite(se) ? f(v, digits) + " ± " + f(se, digits) : f(v, digits);
    }

    static String gpm(double v, double se) {
        if (!Double.isFinite(v)) return NA;
        return Double.isFinite(se) ? g(v) + " ± " + g(se) : g(v);
    }

    /** Probe accuracy in percent: mean ± std over seeds. */
    static String acc(ResultRow.Accuracy a) {
        return a == null || !Double.isFinite(a.mean()) ? NA : pm(100 * a.mean(), 100 * a.std(), 1);
    }

    /** "+1.2" / "−1.2"; a value that rounds to zero prints as "+0.0". */
    static String signed(double v, int digits) {
        if (!Double.isFinite(v)) return NA;
        String a = f(Math.abs(v), digits);
        return (v >= 0 || a.matches("[0.]+") ? "+" : "−") + a;
    }

    static String ci(Statistics.Interval i, int digits) {
        if (!Double.isFinite(i.estimate())) return NA;
        String e = f(i.estimate(), digits);
        return Double.isFinite(i.lo()) ? e + " [" + f(i.lo(), digits) + ", " + f(i.hi(), digits) + "]" : e + " [–]";
    }

    /** A p value: three decimals, "< 0.001" below. */
    static String p(double p) {
        return !Double.isFinite(p) ? NA : p < 0.001 ? "< 0.001" : f(p, 3);
    }

    /** A plot file name from free text: letters and digits, the rest as "-". */
    static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    /** x formatted compactly: integers without decimals. */
    static String x(double v) {
        if (!Double.isFinite(v)) return NA;
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
