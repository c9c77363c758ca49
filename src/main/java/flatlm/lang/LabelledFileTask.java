package flatlm.lang;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.util.BadInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * Task {@code file:PATH}: a user's labelled sentences of any language, one JSON object per line,
 * {@code {"words": ["w3", "w7", ...], "label": L}}. Labels are all non-negative integers (classes
 * 0..max) or all strings (classes = the distinct strings in sorted order). Words must be words of
 * the language and sentences at most its maximum length. Its {@link #name} is {@code file:} and the
 * file's name (not its path: names become parts of output file names). The task has no Bayes ceiling (its
 * labels are not a function the language knows) and labels no pre-training sentence.
 */
public final class LabelledFileTask implements DownstreamTask, FiniteTask {
    public static final String PREFIX = "file:";

    private final String name;
    private final List<Example> examples;
    private final int classes;
    private final List<String> classNames;

    private LabelledFileTask(String name, List<Example> examples, int classes, List<String> classNames) {
        this.name = name;
        this.examples = List.copyOf(examples);
        this.classes = classes;
        this.classNames = classNames;
    }

    /** Reads {@code file}; one-line BadInputException naming file and line on bad content. */
    public static LabelledFileTask read(Path file, Language language) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadInputException("cannot read task file " + file + ": " + e.getMessage());
        }
        ObjectMapper json = new ObjectMapper();
        List<int[]> words = new ArrayList<>();
        List<JsonNode> labels = new ArrayList<>();
        List<Integer> lineNos = new ArrayList<>();
        Vocabulary vocab = language.vocabulary();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode node;
            try {
                node = json.readTree(lines.get(i));
            } catch (IOException e) {
                throw BadInputException.at(file, i + 1, "not valid JSON");
            }
            JsonNode w = node == null ? null : node.get("words");
            JsonNode l = node == null ? null : node.get("label");
            if (w == null || !w.isArray() || w.isEmpty() || l == null || !(l.isTextual() || l.isIntegralNumber())) {
                throw BadInputException.at(file, i + 1, "expected {\"words\": [non-empty array], \"label\": integer or string}");
            }
            if (w.size() > language.maxLength()) {
                throw BadInputException.at(file, i + 1, w.size() + " words, the language's sentences have at most "
                    + language.maxLength());
            }
            int[] ids = new int[w.size()];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = vocab.id(w.get(j).asText());
                if (ids[j] < 0) throw BadInputException.at(file, i + 1, "unknown word '" + w.get(j).asText() + "'");
            }
            words.add(ids);
            labels.add(l);
            lineNos.add(i + 1);
        }
        if (words.isEmpty()) throw new BadInputException(file + ": no labelled sentences");
        boolean strings = labels.get(0).isTextual();
        TreeSet<String> names = new TreeSet<>();
        int max = -1;
        for (int k = 0; k < labels.size(); k++) {
            JsonNode l = labels.get(k);
            if (l.isTextual() != strings) {
                throw BadInputException.at(file, lineNos.get(k), "labels must be all integers or all strings");
            }
            if (strings) names.add(l.asText());
            else if (!l.canConvertToInt() || l.asInt() < 0) {
                throw BadInputException.at(file, lineNos.get(k), "an integer label must be >= 0, got " + l);
            } else max = Math.max(max, l.asInt());
        }
        List<String> classNames = strings ? List.copyOf(names) : null;
        List<Example> examples = new ArrayList<>();
        for (int k = 0; k < words.size(); k++) {
            int label = strings ? classNames.indexOf(labels.get(k).asText()) : labels.get(k).asInt();
            examples.add(new Example(words.get(k), label));
        }
        int classes = strings ? classNames.size() : max + 1;
        if (classes < 2) throw new BadInputException(file + ": a classification task needs at least 2 classes, got " + classes);
        String base = file.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return new LabelledFileTask(PREFIX + base, examples, classes, classNames);
    }

    @Override public String name() { return name; }

    @Override public int numClasses() { return classes; }

    /** The class names of string labels (class k = the k-th in sorted order), or null for integer labels. */
    public List<String> classNames() { return classNames; }

    @Override public List<Example> examples() { return examples; }

    /** One of the file's examples, uniformly (with replacement; splits use {@link #examples} instead). */
    @Override
    public Example sample(RandomGenerator rng) {
        return examples.get(rng.nextInt(examples.size()));
    }

    @Override
    public OptionalInt labelOf(Sentence sentence) {
        return OptionalInt.empty();
    }

    @Override public String toString() { return name; }
}
