package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.lang.Sentence;
import flatlm.model.MlmModel;
import flatlm.util.BadInputException;

import java.util.SplittableRandom;

/** One-line checks that a task, a language and a model belong together. */
public final class LanguageCheck {
    private static final int PROBES = 16;

    private LanguageCheck() {}

    /** The task {@code name} of {@code language}, or a one-line error listing the tasks it has. */
    public static DownstreamTask task(Language language, String name, String languageWhat) {
        try {
            return language.task(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("task '" + name + "' does not exist for " + languageWhat + " (a " + language.kind()
                + " language; its tasks: " + language.taskNames() + ")");
        }
    }

    /** Fails unless {@code model} was built for {@code language} (same vocabulary, long enough). */
    public static void requireCompatible(MlmModel model, Language language, String modelWhat) {
        int v = language.vocabulary().size();
        if (model.vocabWords() != v) {
            throw new BadInputException(modelWhat + " is a model of another language: " + model.vocabWords()
                + " words, the language has " + v);
        }
        if (model.maxLength() < language.maxLength()) {
            throw new BadInputException(modelWhat + " is a model of another language: sentences up to " + model.maxLength()
                + " words, the language has up to " + language.maxLength());
        }
    }

    /**
     * Fails unless {@code given} is the same language as {@code expected}: same kind, vocabulary
     * and maximum length, and the same exact conditionals on sentences sampled from both.
     */
    public static void requireSame(Language expected, Language given, String expectedWhat, String givenWhat) {
        String mismatch = null;
        if (!expected.kind().equals(given.kind())) {
            mismatch = "a " + expected.kind() + " language vs a " + given.kind() + " language";
        } else if (expected.vocabulary().size() != given.vocabulary().size()) {
            mismatch = expected.vocabulary().size() + " vs " + given.vocabulary().size() + " words";
        } else if (expected.maxLength() != given.maxLength()) {
            mismatch = "maximum length " + expected.maxLength() + " vs " + given.maxLength();
        } else if (!sameConditionals(expected, given) || !sameConditionals(given, expected)) {
            mismatch = "different exact conditionals";
        }
        if (mismatch != null) {
            throw new BadInputException(givenWhat + " is not the language of " + expectedWhat + " (" + mismatch + ")");
        }
    }

    private static boolean sameConditionals(Language a, Language b) {
        SplittableRandom rng = new SplittableRandom(0x5A4E);
        for (int k = 0; k < PROBES; k++) {
            Sentence s = a.sample(rng);
            double[][] pa = a.conditionals(s.words());
            double[][] pb;
            try {
                pb = b.conditionals(s.words());
            } catch (IllegalArgumentException e) {
                return false;
            }
            if (pa.length != pb.length) return false;
            for (int i = 0; i < pa.length; i++) {
                if (pa[i].length != pb[i].length) return false;
                for (int v = 0; v < pa[i].length; v++) if (Math.abs(pa[i][v] - pb[i][v]) > 1e-9) return false;
            }
        }
        return true;
    }
}
