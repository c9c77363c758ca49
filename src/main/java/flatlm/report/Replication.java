package flatlm.report;

import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two reproductions of one design on new draws (disjoint pre-training seeds, another language
 * seed), compared claim by claim from their verdicts.csv: the estimates agree when
 * |b − a| < 2·√(se_a² + se_b²), the two-sided 5 % band of the difference of two independent
 * estimates (normal approximation).
 */
public final class Replication {
    private Replication() {}

    /** One claim of one reproduction: its measured change, standard error over seeds, seeds and verdict. */
    public record Estimate(String experiment, String claim, String task, String unit, double change, double se, int n, String verdict) {
        String key() {
            return experiment + "\u0000" + claim + "\u0000" + task;
        }

        String text() {
            if (!Double.isFinite(change)) return Fmt.NA;
            return Fmt.signed(change, 2) + (Double.isFinite(se) ? " ± " + Fmt.f(se, 2) : "") + " " + unit + " (" + n + ")";
        }
    }

    /** A claim in both reproductions (either may be null when only one has it). */
    public record Row(Estimate a, Estimate b) {
        /** 2·√(se_a² + se_b²); NaN unless both have a standard error (≥ 2 seeds). */
        public double band() {
            return a != null && b != null ? 2 * Math.hypot(a.se(), b.se()) : Double.NaN;
        }

        public double difference() {
            return a != null && b != null ? b.change() - a.change() : Double.NaN;
        }

        /** True or false when both estimates have errors; null when the claim cannot be compared. */
        public Boolean agree() {
            double band = band(), d = difference();
            return Double.isFinite(band) && Double.isFinite(d) ? Math.abs(d) < band : null;
        }

        Estimate any() {
            return a != null ? a : b;
        }
    }

    /** The claims of a reproduction directory (its verdicts.csv). */
    public static List<Estimate> read(Path dir) throws IOException {
        Path csv = dir.resolve("verdicts.csv");
        if (!Files.isRegularFile(csv)) throw new BadInputException(dir + ": no verdicts.csv (not a finished reproduction directory)");
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty()) throw new BadInputException(csv + ": empty");
        List<String> header = ResultsCsv.split(lines.get(0));
        for (String c : List.of("experiment", "claim", "task", "change", "stderr", "n", "verdict", "unit"))
            if (!header.contains(c)) throw new BadInputException(csv + ": no column '" + c + "' (written by an older flatlm? rebuild it with flatlm report)");
        List<Estimate> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> v = ResultsCsv.split(line);
            java.util.function.Function<String, String> g = k -> header.indexOf(k) < v.size() ? v.get(header.indexOf(k)) : "";
            try {
                out.add(new Estimate(g.apply("experiment"), g.apply("claim"), g.apply("task"), g.apply("unit"), num(g.apply("change")),
                    num(g.apply("stderr")), g.apply("n").isEmpty() ? 0 : Integer.parseInt(g.apply("n")), g.apply("verdict")));
            } catch (NumberFormatException e) {
                throw new BadInputException(csv + ": not a number in line '" + line + "'");
            }
        }
        return out;
    }

    /** Claims matched by (experiment, claim, task), in a's order, then those only b has. */
    public static List<Row> compare(List<Estimate> a, List<Estimate> b) {
        Map<String, Estimate> bs = new LinkedHashMap<>();
        for (Estimate e : b) bs.put(e.key(), e);
        List<Row> rows = new ArrayList<>();
        for (Estimate e : a) rows.add(new Row(e, bs.remove(e.key())));
        for (Estimate e : bs.values()) rows.add(new Row(null, e));
        return rows;
    }

    /** A Markdown table, then one line: how many comparable claims agree and how many verdicts are the same. */
    public static String table(List<Row> rows, String nameA, String nameB) {
        StringBuilder s = new StringBuilder("| claim | " + nameA + " | " + nameB + " | b − a | 2·√(se_a² + se_b²) | agree | verdict a | verdict b |\n"
            + "|---|---|---|---|---|---|---|---|\n");
        int comparable = 0, agree = 0, sameVerdict = 0, both = 0;
        for (Row r : rows) {
            Estimate e = r.any();
            Boolean ok = r.agree();
            if (ok != null) { comparable++; if (ok) agree++; }
            if (r.a() != null && r.b() != null) { both++; if (kind(r.a().verdict()).equals(kind(r.b().verdict()))) sameVerdict++; }
            s.append("| ").append(e.claim()).append(e.task().isEmpty() ? "" : " (" + e.task() + ")").append(" | ")
                .append(r.a() == null ? "absent" : r.a().text()).append(" | ").append(r.b() == null ? "absent" : r.b().text()).append(" | ")
                .append(Fmt.signed(r.difference(), 2)).append(" | ").append(Fmt.f(r.band(), 2)).append(" | ")
                .append(ok == null ? "not comparable" : ok ? "yes" : "**no**").append(" | ")
                .append(r.a() == null ? Fmt.NA : r.a().verdict()).append(" | ").append(r.b() == null ? Fmt.NA : r.b().verdict()).append(" |\n");
        }
        return s.append(String.format(java.util.Locale.ROOT, "%nagree within 2·√(se_a² + se_b²): %d of %d comparable claims; same verdict (its parenthesis aside): %d of %d%n",
            agree, comparable, sameVerdict, both)).toString();
    }

    /** The verdict without its parenthesis ("did not hold (mde80 0.3 points ...)" → "did not hold"). */
    static String kind(String verdict) {
        int i = verdict.indexOf(" (");
        return i < 0 ? verdict : verdict.substring(0, i);
    }

    private static double num(String s) {
        return s.isEmpty() ? Double.NaN : s.equals("inf") ? Double.POSITIVE_INFINITY : s.equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(s);
    }
}
