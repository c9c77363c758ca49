package flatlm.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small Markdown → HTML converter for the subset the report uses: ATX headings, paragraphs,
 * block quotes, "-"/"*"/"1." lists (one level), fenced code, pipe tables (with ":" alignment),
 * images, links, inline code, **bold** and *italic*. Images go through {@code imageSource}, which
 * returns the src to use (a data URI) or null to print the alt text instead.
 */
public final class Markdown {
    private static final Pattern IMAGE = Pattern.compile("!\\[([^\\]]*)]\\(([^)\\s]+)\\)");
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]+)]\\(([^)\\s]+)\\)");
    private static final Pattern BOLD = Pattern.compile("\\*\\*(.+?)\\*\\*");
    private static final Pattern ITALIC = Pattern.compile("(?<![\\w*])\\*(?!\\s)([^*]+?)\\*(?![\\w*])");
    private static final Pattern ORDERED = Pattern.compile("^\\d+\\.\\s+(.*)");

    private Markdown() {}

    public static String toHtml(String md, Function<String, String> imageSource) {
        String[] lines = md.replace("\r\n", "\n").split("\n", -1);
        StringBuilder out = new StringBuilder();
        List<String> para = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            String line = lines[i], t = line.strip();
            if (t.isEmpty()) {
                flush(para, out, imageSource);
                i++;
            } else if (t.startsWith("```")) {
                flush(para, out, imageSource);
                out.append("<pre><code>");
                for (i++; i < lines.length && !lines[i].strip().startsWith("```"); i++) out.append(escape(lines[i])).append('\n');
                out.append("</code></pre>\n");
                i++;
            } else if (t.matches("#{1,6}\\s.*")) {
                flush(para, out, imageSource);
                int level = t.indexOf(' ');
                String text = t.substring(level).strip();
                out.append("<h").append(level).append(" id=\"").append(anchor(text)).append("\">")
                    .append(inline(text, imageSource)).append("</h").append(level).append(">\n");
                i++;
            } else if (t.startsWith("|") && i + 1 < lines.length && lines[i + 1].strip().matches("\\|?\\s*:?-+:?\\s*(\\|\\s*:?-+:?\\s*)*\\|?")) {
                flush(para, out, imageSource);
                List<String> align = new ArrayList<>();
                for (String c : cells(lines[i + 1])) {
                    align.add(c.endsWith(":") ? (c.startsWith(":") ? "center" : "right") : "left");
                }
                out.append("<table>\n<thead><tr>");
                row(cells(line), "th", align, out, imageSource);
                out.append("</tr></thead>\n<tbody>\n");
                for (i += 2; i < lines.length && lines[i].strip().startsWith("|"); i++) {
                    out.append("<tr>");
                    row(cells(lines[i]), "td", align, out, imageSource);
                    out.append("</tr>\n");
                }
                out.append("</tbody>\n</table>\n");
            } else if (t.startsWith("- ") || t.startsWith("* ") || ORDERED.matcher(t).matches()) {
                flush(para, out, imageSource);
                boolean ordered = !(t.startsWith("- ") || t.startsWith("* "));
                out.append(ordered ? "<ol>\n" : "<ul>\n");
                while (i < lines.length && isItem(lines[i].strip(), ordered)) {
                    StringBuilder item = new StringBuilder(itemText(lines[i].strip(), ordered));
                    // continuation lines: indented, not a new item
                    for (i++; i < lines.length && !lines[i].isBlank() && lines[i].startsWith(" ")
                        && !isItem(lines[i].strip(), ordered); i++) item.append(' ').append(lines[i].strip());
                    out.append("<li>").append(inline(item.toString(), imageSource)).append("</li>\n");
                }
                out.append(ordered ? "</ol>\n" : "</ul>\n");
            } else if (t.startsWith(">")) {
                flush(para, out, imageSource);
                List<String> quote = new ArrayList<>();
                for (; i < lines.length && lines[i].strip().startsWith(">"); i++) quote.add(lines[i].strip().substring(1).strip());
                out.append("<blockquote>").append(toHtml(String.join("\n", quote), imageSource)).append("</blockquote>\n");
            } else {
                para.add(t);
                i++;
            }
        }
        flush(para, out, imageSource);
        return out.toString();
    }

    /** A heading's anchor: lower case, runs of other characters as "-". */
    public static String anchor(String heading) {
        return heading.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Inline markup of one line of text; code spans are left verbatim (escaped). */
    static String inline(String text, Function<String, String> imageSource) {
        StringBuilder out = new StringBuilder();
        String[] parts = text.split("`", -1);
        for (int k = 0; k < parts.length; k++) {
            boolean code = k % 2 == 1 && k < parts.length - 1;
            if (code) out.append("<code>").append(escape(parts[k])).append("</code>");
            else out.append(spans((k % 2 == 1 ? "`" : "") + parts[k], imageSource));
        }
        return out.toString();
    }

    private static String spans(String s, Function<String, String> imageSource) {
        StringBuilder out = new StringBuilder();
        Matcher m = IMAGE.matcher(s);
        int last = 0;
        while (m.find()) {
            out.append(emphasis(s.substring(last, m.start())));
            String src = imageSource.apply(m.group(2));
            String alt = escape(m.group(1));
            out.append(src == null ? "<em>[" + alt + ": image not found]</em>"
                : "<img src=\"" + escape(src) + "\" alt=\"" + alt + "\">");
            last = m.end();
        }
        return out.append(emphasis(s.substring(last))).toString();
    }

    private static String emphasis(String s) {
        String h = escape(s);
        h = LINK.matcher(h).replaceAll(r -> "<a href=\"" + Matcher.quoteReplacement(r.group(2)) + "\">"
            + Matcher.quoteReplacement(r.group(1)) + "</a>");
        h = BOLD.matcher(h).replaceAll("<strong>$1</strong>");
        return ITALIC.matcher(h).replaceAll("<em>$1</em>");
    }

    private static void flush(List<String> para, StringBuilder out, Function<String, String> imageSource) {
        if (para.isEmpty()) return;
        out.append("<p>").append(inline(String.join(" ", para), imageSource)).append("</p>\n");
        para.clear();
    }

    private static boolean isItem(String t, boolean ordered) {
        return ordered ? ORDERED.matcher(t).matches() : t.startsWith("- ") || t.startsWith("* ");
    }

    private static String itemText(String t, boolean ordered) {
        if (!ordered) return t.substring(2).strip();
        Matcher m = ORDERED.matcher(t);
        return m.matches() ? m.group(1) : t;
    }

    private static List<String> cells(String line) {
        String t = line.strip();
        if (t.startsWith("|")) t = t.substring(1);
        if (t.endsWith("|") && !t.endsWith("\\|")) t = t.substring(0, t.length() - 1);
        List<String> out = new ArrayList<>();
        for (String c : t.split("(?<!\\\\)\\|", -1)) out.add(c.strip().replace("\\|", "|"));
        return out;
    }

    private static void row(List<String> cells, String tag, List<String> align, StringBuilder out,
                            Function<String, String> imageSource) {
        for (int c = 0; c < cells.size(); c++) {
            String a = c < align.size() ? align.get(c) : "left";
            out.append('<').append(tag).append(a.equals("left") ? "" : " style=\"text-align:" + a + "\"").append('>')
                .append(inline(cells.get(c), imageSource)).append("</").append(tag).append('>');
        }
    }
}
