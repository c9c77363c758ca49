package flatlm.lang.pcfg;

import flatlm.util.BadInputException;
import flatlm.util.Io;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the authors' rule-file format: one rule per line, {@code LHS RHS prob} or
 * {@code LHS RHS1 RHS2 prob}, fields separated by whitespace. Blank lines and lines starting
 * with {@code #} are skipped. Only the syntax is checked here (field count, a probability in
 * [0, 1]); the meaning of the symbols is checked by {@link GrammarBuilder}.
 */
final class RuleFileParser {
    /** One line of the file: {@code lhs -> rhs...} with probability {@code prob}, at line {@code line} (1-based). */
    record RawRule(String lhs, String[] rhs, double prob, long line) {}

    private RuleFileParser() {}

    static List<String> readLines(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new BadInputException(file + " is a directory, not a PCFG rule file");
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new BadInputException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw Io.naming(file, e);
        }
    }

    static List<RawRule> parse(String source, List<String> lines) {
        List<RawRule> out = new ArrayList<>(lines.size());
        for (int k = 0; k < lines.size(); k++) {
            long line = k + 1;
            String text = lines.get(k).strip();
            if (text.isEmpty() || text.startsWith("#")) continue;
            String[] f = text.split("\\s+");
            if (f.length != 3 && f.length != 4) {
                throw BadInputException.at(source, line, "expected 'LHS RHS prob' or 'LHS RHS1 RHS2 prob', found "
                    + f.length + " field" + (f.length == 1 ? "" : "s"));
            }
            String p = f[f.length - 1];
            double prob;
            try {
                prob = Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw BadInputException.at(source, line, "probability '" + p + "' is not a number");
            }
            if (!(prob >= 0 && prob <= 1)) {
                throw BadInputException.at(source, line, "probability " + p + " is outside [0, 1]");
            }
            String[] rhs = new String[f.length - 2];
            System.arraycopy(f, 1, rhs, 0, rhs.length);
            out.add(new RawRule(f[0], rhs, prob, line));
        }
        return out;
    }
}
