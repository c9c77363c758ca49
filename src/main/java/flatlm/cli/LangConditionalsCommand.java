package flatlm.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.lang.Language;
import flatlm.lang.Vocabulary;
import flatlm.util.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code flatlm lang conditionals}: exact MLM conditionals of given sentences. */
@Command(name = "conditionals", mixinStandardHelpOptions = true,
    description = {"Computes the exact masked-LM conditional p*(x_i = v | x_-i) of every position of every "
        + "input sentence. Input: one JSON array of words per line (no blank lines). Output: one JSON array per line with, "
        + "for each position, an object mapping each word of non-zero probability to its probability.",
        "Example: flatlm lang conditionals --grammar authors --in s.jsonl --out c.jsonl"})
public final class LangConditionalsCommand implements Callable<Integer> {
    @Mixin LanguageOptions language;

    @Option(names = "--in", required = true, paramLabel = "S.jsonl", description = "Sentences, one JSON array of words per line.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "C.jsonl", description = "Output file (written atomically).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(out)) throw new BadInputException("--out " + out + " is a directory; name the output file");
        if (Files.isDirectory(in)) throw new BadInputException("--in " + in + " is a directory, not a sentence file");
        if (!Files.isRegularFile(in)) throw new BadInputException("--in " + in + ": no such file");
        if (Files.exists(out) && Files.isSameFile(in, out))
            throw new BadInputException("--out " + out + " is the --in file; the conditionals would replace the sentences (name another file)");
        Language lang = language.build();
        Vocabulary vocab = lang.vocabulary();
        ObjectMapper mapper = new ObjectMapper();
        Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".partial");
        long lines = 0;
        try (BufferedReader reader = Files.newBufferedReader(in, StandardCharsets.UTF_8);
             Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines++;
                if (line.isBlank())
                    throw BadInputException.at(in, lines, "blank line: every line must be a sentence (output line i answers input line i)");
                int[] words = parseSentence(mapper, line, vocab, lines);
                double[][] p;
                try {
                    p = lang.conditionals(words);
                } catch (IllegalArgumentException e) {
                    throw BadInputException.at(in, lines, "sentence has probability zero under the language ("
                        + e.getMessage() + ")");
                }
                writeRow(mapper, writer, p, vocab);
            }
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        flatlm.util.Io.replace(tmp, out);
        System.err.printf("flatlm: wrote conditionals of %d lines to %s%n", lines, out);
        return 0;
    }

    private int[] parseSentence(ObjectMapper mapper, String line, Vocabulary vocab, long lineNo) {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (IOException e) {
            throw BadInputException.at(in, lineNo, "not valid JSON");
        }
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw BadInputException.at(in, lineNo, "expected a non-empty JSON array of words");
        }
        int[] words = new int[node.size()];
        for (int i = 0; i < words.length; i++) {
            String w = node.get(i).asText();
            words[i] = vocab.id(w);
            if (!node.get(i).isTextual() && !node.get(i).isNumber() || words[i] < 0) {
                throw BadInputException.at(in, lineNo, "unknown word '" + w + "'");
            }
        }
        return words;
    }

    private static void writeRow(ObjectMapper mapper, Writer writer, double[][] p, Vocabulary vocab) throws IOException {
        JsonGenerator g = mapper.getFactory().createGenerator(writer);
        g.writeStartArray();
        for (double[] row : p) {
            g.writeStartObject();
            for (int v = 0; v < row.length; v++) {
                if (row[v] > 0) g.writeNumberField(vocab.word(v), row[v]);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.flush();
        writer.write('\n');
    }
}
