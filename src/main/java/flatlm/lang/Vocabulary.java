package flatlm.lang;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The words of a language, in id order. */
public final class Vocabulary {
    private final List<String> words;
    private final Map<String, Integer> ids = new HashMap<>();

    public Vocabulary(List<String> words) {
        this.words = List.copyOf(words);
        for (int i = 0; i < this.words.size(); i++) {
            if (ids.put(this.words.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate word '" + this.words.get(i) + "'");
            }
        }
    }

    public int size() {
        return words.size();
    }

    public String word(int id) {
        return words.get(id);
    }

    /** The id of a word, or -1 if it is not in the vocabulary. */
    public int id(String word) {
        return ids.getOrDefault(word, -1);
    }

    public List<String> words() {
        return words;
    }
}
