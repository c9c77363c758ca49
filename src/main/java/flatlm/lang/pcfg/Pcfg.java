package flatlm.lang.pcfg;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.lang.Vocabulary;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A probabilistic context-free grammar as a {@link Language} (SPEC.md section 1): the authors'
 * rule files ({@link #load}), random grammars of their shape ({@link #random}), sampling with the
 * parse tree, exact MLM conditionals of all positions by one scaled inside–outside pass
 * ({@link InsideOutside}), and tasks A, B, C ({@link PcfgTask}).
 *
 * <p>{@link #maxLength()} is the longest derivable sentence (16 for the authors' shape). For a
 * recursive grammar (arbitrarily long sentences) it is capped at {@value #RECURSIVE_LENGTH_CAP}
 * and {@link #sample} draws from the grammar conditioned on length ≤ the cap; conditionals are
 * conditioned on the length anyway, so they are unaffected (and accept any length).
 *
 * <p>Immutable and thread-safe.
 */
public final class Pcfg implements Language {
    /** How tasks pick "the most likely" nonterminal of a span (see {@link PcfgTask}). */
    public enum LabelMode { INSIDE, POSTERIOR }

    /** maxLength() of a grammar whose sentences can be arbitrarily long. */
    public static final int RECURSIVE_LENGTH_CAP = 64;

    /** Class-path resource holding the authors' grammar. */
    public static final String AUTHORS_RESOURCE = "/flatlm/pcfg/rule_deep_mlm.txt";

    private final Grammar grammar;
    private final InsideOutside engine;
    private final PcfgSampler sampler;
    private final int maxLength;
    private final boolean recursive;
    private final LabelMode labelMode;
    private final List<DownstreamTask> tasks;

    private Pcfg(Grammar grammar, InsideOutside engine, LabelMode labelMode) {
        this.grammar = grammar;
        this.engine = engine;
        int longest = engine.maxLen[grammar.start()];
        this.recursive = longest >= GrammarAnalysis.INF;
        this.maxLength = recursive ? RECURSIVE_LENGTH_CAP : longest;
        this.sampler = new PcfgSampler(grammar, maxLength);
        this.labelMode = labelMode;
        this.tasks = PcfgTask.tasksOf(this);
    }

    private Pcfg(Pcfg other, LabelMode labelMode) {
        this.grammar = other.grammar;
        this.engine = other.engine;
        this.recursive = other.recursive;
        this.maxLength = other.maxLength;
        this.sampler = other.sampler;
        this.labelMode = labelMode;
        this.tasks = PcfgTask.tasksOf(this);
    }

    /** A language over a validated grammar (label mode INSIDE). */
    public static Pcfg of(Grammar grammar) {
        return new Pcfg(grammar, new InsideOutside(grammar), LabelMode.INSIDE);
    }

    /**
     * Loads the authors' rule-file format (see {@link GrammarBuilder} for the checks).
     * Bad input throws {@link flatlm.util.BadInputException} naming file and line.
     *
     * @param renormalize renormalise nonterminals whose rules sum further than 1e-2 from 1
     *                    instead of failing
     */
    public static Pcfg load(Path ruleFile, boolean renormalize) throws IOException {
        return parse(ruleFile.toString(), RuleFileParser.readLines(ruleFile), renormalize);
    }

    /** Loads a rule file written by {@link #writeDefinition}: no warning about unreachable nonterminals. */
    static Pcfg loadWritten(Path ruleFile) throws IOException {
        String source = ruleFile.toString();
        return of(GrammarBuilder.build(source, RuleFileParser.parse(source, RuleFileParser.readLines(ruleFile)), false, false));
    }

    /** Parses rule-file lines; {@code source} names the file in messages. */
    public static Pcfg parse(String source, List<String> lines, boolean renormalize) {
        return of(GrammarBuilder.build(source, RuleFileParser.parse(source, lines), renormalize, true));
    }

    /** The authors' grammar, bundled as the resource {@value #AUTHORS_RESOURCE}. */
    public static Pcfg authors() throws IOException {
        try (InputStream in = Pcfg.class.getResourceAsStream(AUTHORS_RESOURCE)) {
            if (in == null) throw new IllegalStateException("bundled grammar " + AUTHORS_RESOURCE + " missing");
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return parse("rule_deep_mlm.txt", text.lines().toList(), false);
        }
    }

    /** A random grammar of the authors' shape ({@link GrammarShape#AUTHORS}) from a seed. */
    public static Pcfg random(long seed) {
        return random(GrammarShape.AUTHORS, seed);
    }

    /** A random grammar of the given shape, from {@code new SplittableRandom(seed)} (see {@link RandomGrammar}). */
    public static Pcfg random(GrammarShape shape, long seed) {
        return of(RandomGrammar.generate(shape, new SplittableRandom(seed), "random grammar (seed " + seed + ")"));
    }

    /**
     * Reloads a grammar written by {@link #writeDefinition} (bad files still throw
     * {@link flatlm.util.BadInputException}; unreachable nonterminals, already reported when the
     * grammar was first loaded, are not warned about again).
     */
    public static Pcfg loadDefinition(Path dir) throws IOException {
        return PcfgDefinition.read(dir);
    }

    public Pcfg withLabelMode(LabelMode mode) {
        return mode == labelMode ? this : new Pcfg(this, mode);
    }

    public LabelMode labelMode() {
        return labelMode;
    }

    public Grammar grammar() {
        return grammar;
    }

    InsideOutside engine() {
        return engine;
    }

    /** True if sentences can be arbitrarily long (maxLength() is then a cap). */
    public boolean isRecursive() {
        return recursive;
    }

    @Override
    public String kind() {
        return "pcfg";
    }

    @Override
    public Vocabulary vocabulary() {
        return grammar.vocabulary();
    }

    @Override
    public int maxLength() {
        return maxLength;
    }

    /** A sentence with its derivation ({@link Sentence#tree()}; node symbols are nonterminal ids). */
    @Override
    public Sentence sample(RandomGenerator rng) {
        return sampler.sample(rng);
    }

    @Override
    public double[][] conditionals(int[] words) {
        return engine.conditionals(words);
    }

    /** log P(x) by the inside algorithm; −∞ if x has probability zero. */
    public double logProbability(int[] words) {
        return engine.logProbability(words);
    }

    /** Inside and outside scores of a sentence (log space); throws if it has probability zero. */
    public Chart chart(int[] words) {
        return engine.chart(words);
    }

    @Override
    public List<DownstreamTask> tasks() {
        return tasks;
    }

    /**
     * Writes {@code grammar.txt} (the authors' format, full-precision probabilities) and
     * {@code language.json} = {"kind":"pcfg","grammar":"grammar.txt","labelMode":"inside"}.
     */
    @Override
    public void writeDefinition(Path dir) throws IOException {
        PcfgDefinition.write(dir, this);
    }
}
