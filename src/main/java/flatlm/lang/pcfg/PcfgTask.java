package flatlm.lang.pcfg;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Sentence;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * The authors' downstream tasks on a PCFG. Sentences shorter than {@value #MIN_LENGTH} words are
 * not used downstream (no label).
 * <ul>
 * <li><b>pcfg:A</b> (root): classes = the children S_r of the start symbol's unary rules, in rule
 *     order (9 for the authors' grammar). INSIDE (authors): argmax_r P(S → S_r) β(S_r, 0, n);
 *     POSTERIOR: argmax_r β(S_r,0,n) α(S_r,0,n) (the same argmax when S_r only occurs under S).
 *     Absent from {@link Pcfg#tasks()} if S has no unary rules.</li>
 * <li><b>pcfg:B</b> / <b>pcfg:C</b>: the most likely nonterminal spanning words [0,4) / [0,2).
 *     Classes = every nonterminal except S, in id order (id of S skipped; 49 for the authors'
 *     grammar: S1..S9 then A1_0..A4_9). INSIDE (authors): argmax_A β(A,0,k); POSTERIOR:
 *     argmax_A β(A,0,k) α(A,0,k), i.e. the nonterminal most probably spanning [0,k) given the
 *     whole sentence. With INSIDE, the prefix may be derivable by no nonterminal (all β zero): the
 *     sentence then has no label; with POSTERIOR, likewise when no derivation of the sentence
 *     has a constituent [0,k).</li>
 * </ul>
 * Ties go to the smaller class id. {@link #labelOf} throws {@link IllegalArgumentException} for
 * a sentence of probability zero; {@link #sample} redraws sentences until one is labelled.
 */
public final class PcfgTask implements DownstreamTask {
    public static final int MIN_LENGTH = 5;
    private static final int MAX_ATTEMPTS = 100_000;

    private enum Kind { ROOT, SPAN }

    private final Pcfg pcfg;
    private final String name;
    private final Kind kind;
    private final int spanEnd;
    private final int[] classes; // class id -> nonterminal
    private final double[] rootRule; // task A: P(S -> S_r) per class

    private PcfgTask(Pcfg pcfg, String name, Kind kind, int spanEnd, int[] classes, double[] rootRule) {
        this.pcfg = pcfg;
        this.name = name;
        this.kind = kind;
        this.spanEnd = spanEnd;
        this.classes = classes;
        this.rootRule = rootRule;
    }

    static List<DownstreamTask> tasksOf(Pcfg pcfg) {
        Grammar g = pcfg.grammar();
        InsideOutside io = pcfg.engine();
        List<Integer> roots = new ArrayList<>();
        for (Grammar.Rule r : g.rules()) {
            if (r.lhs() == g.start() && r.kind() == Grammar.Kind.UNARY && !roots.contains(r.first())) roots.add(r.first());
        }
        int[] spanClasses = new int[g.numNonterminals() - 1];
        for (int a = 0, c = 0; a < g.numNonterminals(); a++) if (a != g.start()) spanClasses[c++] = a;
        List<DownstreamTask> tasks = new ArrayList<>();
        if (!roots.isEmpty()) {
            int[] cls = roots.stream().mapToInt(Integer::intValue).toArray();
            double[] p = new double[cls.length];
            for (int k = 0; k < cls.length; k++) p[k] = io.unaryProbability(g.start(), cls[k]);
            tasks.add(new PcfgTask(pcfg, "pcfg:A", Kind.ROOT, -1, cls, p));
        }
        tasks.add(new PcfgTask(pcfg, "pcfg:B", Kind.SPAN, 4, spanClasses, null));
        tasks.add(new PcfgTask(pcfg, "pcfg:C", Kind.SPAN, 2, spanClasses, null));
        return List.copyOf(tasks);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return classes.length;
    }

    /** The nonterminal behind a class id. */
    public int nonterminalOf(int classId) {
        return classes[classId];
    }

    /** The name of a class (its nonterminal). */
    public String className(int classId) {
        return pcfg.grammar().nonterminalName(classes[classId]);
    }

    @Override
    public Example sample(RandomGenerator rng) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Sentence s = pcfg.sample(rng);
            OptionalInt label = labelOf(s);
            if (label.isPresent()) return new Example(s.words(), label.getAsInt());
        }
        throw new IllegalStateException(name + ": no labelled sentence in " + MAX_ATTEMPTS + " draws");
    }

    @Override
    public OptionalInt labelOf(Sentence sentence) {
        int[] words = sentence.words();
        if (words.length < MIN_LENGTH) return OptionalInt.empty();
        boolean posterior = pcfg.labelMode() == Pcfg.LabelMode.POSTERIOR;
        InsideOutside io = pcfg.engine();
        InsideOutside.Workspace ws = io.run(words, posterior);
        if (ws == null) throw InsideOutside.zeroProbability(words);
        int n = words.length;
        int end = kind == Kind.ROOT ? n : spanEnd;
        int best = -1;
        double bestScore = 0;
        for (int c = 0; c < classes.length; c++) {
            int a = classes[c];
            double score = io.scaledInside(ws, a, 0, end); // all classes share the span's scale
            if (posterior) score *= io.scaledOutside(ws, a, 0, end);
            else if (kind == Kind.ROOT) score *= rootRule[c];
            if (score > bestScore) {
                bestScore = score;
                best = c;
            }
        }
        return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
    }
}
