package flatlm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/ARCHITECTURE.md's package table is the law: every package of src/main/java/flatlm has a
 * row, and a package uses (imports or names in code, comments and strings aside) only the
 * packages its "depends on" column allows. Reading of the column: the backticked packages, and
 * what they may use in turn (transitively); a package may use its own sub-packages; a
 * sub-package with an empty cell has its parent's dependencies and the parent; {@code all} allows
 * everything. The declared dependencies form no cycle.
 */
class ArchitectureTest {
    private static final Path DOC = Path.of("docs/ARCHITECTURE.md");
    private static final Path SRC = Path.of("src/main/java");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z.]+)` \\|");
    private static final Pattern TICKED = Pattern.compile("`([a-z.]+)`");
    private static final Pattern REF = Pattern.compile("\\bflatlm((?:\\.[a-z][a-z0-9]*)+)\\.[A-Z]");

    /** Package → the packages its cell names (null for {@code all}), in the table's order. */
    static Map<String, Set<String>> table(List<String> lines) {
        Map<String, Set<String>> t = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = ROW.matcher(line);
            if (!m.find()) continue;
            String[] cells = line.split("(?<!\\\\)\\|");
            String deps = cells[cells.length - 1].trim().isEmpty() && !line.trim().endsWith("|") ? "" : cells[cells.length - 1];
            Set<String> named = new TreeSet<>();
            Matcher d = TICKED.matcher(deps);
            while (d.find()) named.add(d.group(1));
            t.put(m.group(1), deps.trim().equals("all") ? null : named);
        }
        return t;
    }

    /** What {@code pkg} may use, by the reading in the class comment. */
    static Set<String> allowed(Map<String, Set<String>> table, String pkg) {
        Set<String> out = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(pkg));
        while (!todo.isEmpty()) {
            String p = todo.pop();
            if (!table.containsKey(p)) continue;
            if (table.get(p) == null) {
                Set<String> all = new TreeSet<>(table.keySet());
                all.remove(pkg);
                return all;
            }
            List<String> direct = new ArrayList<>(table.get(p));
            for (String q : table.keySet()) if (q.startsWith(p + ".")) direct.add(q);
            int dot = p.lastIndexOf('.');
            if (table.get(p).isEmpty() && dot > 0) direct.add(p.substring(0, dot));
            for (String q : direct) if (out.add(q)) todo.push(q);
            if (table.get(p).isEmpty() && dot > 0) todo.push(p.substring(0, dot));
        }
        out.remove(pkg);
        return out;
    }

    /** Java source with comments, string and character literals blanked. */
    static String code(String src) {
        StringBuilder b = new StringBuilder(src.length());
        int i = 0, n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (src.startsWith("//", i)) {
                while (i < n && src.charAt(i) != '\n') i++;
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                b.append("\"\"");
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && src.charAt(i) != c) i += src.charAt(i) == '\\' ? 2 : 1;
                i++;
                b.append(c).append(c);
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    /** The flatlm packages (without the {@code flatlm.} prefix) that {@code source} uses in code. */
    static Set<String> uses(String source) {
        Set<String> out = new TreeSet<>();
        Matcher m = REF.matcher(code(source));
        while (m.find()) out.add(m.group(1).substring(1));
        return out;
    }

    /** "pkg/File.java uses q" for every use not allowed. */
    static List<String> violations(Map<String, Set<String>> table, Map<String, String> sources) {
        List<String> bad = new ArrayList<>();
        for (var e : sources.entrySet()) {
            String file = e.getKey();
            String pkg = file.substring(0, file.lastIndexOf('/')).replace('/', '.');
            Set<String> ok = allowed(table, pkg);
            for (String q : uses(e.getValue())) {
                if (!q.equals(pkg) && !ok.contains(q)) bad.add(file + " uses " + q);
            }
        }
        return bad;
    }

    private static Map<String, String> mainSources() throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path root = SRC.resolve("flatlm");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                out.put(root.relativize(f).toString().replace('\\', '/'), Files.readString(f));
            }
        }
        return out;
    }

    @Test
    void everyPackageHasARowAndUsesOnlyWhatItsRowAllows() throws IOException {
        Map<String, Set<String>> table = table(Files.readAllLines(DOC));
        Map<String, String> sources = mainSources();
        Set<String> packages = new TreeSet<>();
        for (String f : sources.keySet()) packages.add(f.substring(0, f.lastIndexOf('/')).replace('/', '.'));
        assertEquals(packages, new TreeSet<>(table.keySet()), "packages of src/main/java/flatlm vs rows of " + DOC);
        for (var e : table.entrySet()) {
            if (e.getValue() == null) continue;
            for (String q : e.getValue()) {
                assertTrue(table.containsKey(q) || !q.matches("[a-z.]+") , e.getKey() + " names unknown package " + q);
            }
        }
        assertEquals(List.of(), violations(table, sources), "uses that " + DOC + "'s table does not allow");
    }

    @Test
    void theDeclaredDependenciesHaveNoCycle() throws IOException {
        Map<String, Set<String>> table = table(Files.readAllLines(DOC));
        for (String p : table.keySet()) {
            if (table.get(p) == null) continue; // cli: the top
            for (String q : table.get(p)) {
                if (table.get(q) == null) continue;
                assertFalse(allowed(table, q).contains(p) && !isFamily(p, q),
                    p + " depends on " + q + ", which depends on " + p + " again");
            }
        }
    }

    /** The direction the redesign of issue 26 chose: jobs and executors below the workloads that use them. */
    @Test
    void theExecutorsKnowNoWorkload() throws IOException {
        Map<String, Set<String>> table = table(Files.readAllLines(DOC));
        for (String p : List.of("exec", "exec.slurm")) {
            assertTrue(table.containsKey(p), p + " has a row");
            for (String q : List.of("experiment", "sweep", "report", "train", "cli"))
                assertFalse(allowed(table, p).contains(q), p + " may use " + q);
        }
        assertFalse(allowed(table, "experiment").contains("sweep"), "experiment may use sweep");
    }

    private static boolean isFamily(String a, String b) {
        return a.startsWith(b + ".") || b.startsWith(a + ".");
    }

    @Test
    void theCheckFlagsAForbiddenUseAndIgnoresCommentsAndStrings() {
        Map<String, Set<String>> table = table(List.of(
            "| package | role | depends on |",
            "|---|---|---|",
            "| `util` | helpers \\| more | |",
            "| `lang` | languages | `util` |",
            "| `lang.hmm` | HMM | |",
            "| `model` | models | `util` |",
            "| `train` | training | `lang`, `model` |",
            "| `cli` | commands | all |"));
        assertEquals(Set.of(), table.get("util"));
        assertEquals(Set.of("lang", "model", "util", "lang.hmm"), allowed(table, "train"));
        assertEquals(Set.of("lang", "util"), allowed(table, "lang.hmm"));
        assertEquals(Set.of("util", "lang", "lang.hmm", "model", "train"), allowed(table, "cli"));
        Map<String, String> ok = Map.of("model/A.java",
            "package flatlm.model;\nimport flatlm.util.X;\n// flatlm.train.Trainer\n/** {@link flatlm.train.Y} */\n"
                + "class A { String s = \"flatlm.train.Main\"; }");
        assertEquals(List.of(), violations(table, ok));
        Map<String, String> bad = Map.of("model/B.java",
            "package flatlm.model;\nimport flatlm.train.Trainer;\nclass B { Object o = flatlm.lang.hmm.Hmm.class; }");
        assertEquals(List.of("model/B.java uses lang.hmm", "model/B.java uses train"), violations(table, bad));
    }
}
