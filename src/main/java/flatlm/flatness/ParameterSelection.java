package flatlm.flatness;

import flatlm.model.MlmModel;
import flatlm.util.BadInputException;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which parameters the flatness measures differentiate with respect to: all of them, or all
 * but some excluded names / prefixes (the paper's authors excluded the output bias:
 * {@code excluding("head.bias")}). The Hessian is then the block of the selected parameters.
 *
 * <p>An entry matches a parameter whose name equals it or starts with it followed by a dot
 * ({@code blocks.0} matches {@code blocks.0.attn.query.weight}, not {@code blocks.01...}).
 * An entry that matches no parameter is an error, so a typo cannot silently select everything.
 */
public final class ParameterSelection {
    private final List<String> excluded;

    private ParameterSelection(List<String> excluded) {
        this.excluded = List.copyOf(excluded);
    }

    public static ParameterSelection all() {
        return new ParameterSelection(List.of());
    }

    /** Every parameter but those matching one of {@code namesOrPrefixes}. */
    public static ParameterSelection excluding(List<String> namesOrPrefixes) {
        List<String> clean = new ArrayList<>();
        for (String s : namesOrPrefixes) {
            String t = s.trim();
            if (t.endsWith(".")) t = t.substring(0, t.length() - 1);
            if (!t.isEmpty()) clean.add(t);
        }
        return new ParameterSelection(clean);
    }

    public static ParameterSelection excluding(String... namesOrPrefixes) {
        return excluding(List.of(namesOrPrefixes));
    }

    public List<String> excluded() {
        return excluded;
    }

    static boolean matches(String entry, String name) {
        return name.equals(entry) || name.startsWith(entry + ".");
    }

    /** The selected parameters of {@code model}, in canonical order (the tensors themselves). */
    public LinkedHashMap<String, Tensor> select(MlmModel model) {
        LinkedHashMap<String, Tensor> all = model.namedParameters();
        for (String e : excluded) {
            boolean any = all.keySet().stream().anyMatch(n -> matches(e, n));
            if (!any) throw new BadInputException("--exclude: no parameter named or prefixed '" + e + "' (parameters: "
                + String.join(", ", abbreviate(all.keySet())) + ")");
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> p : all.entrySet()) {
            if (excluded.stream().noneMatch(e -> matches(e, p.getKey()))) out.put(p.getKey(), p.getValue());
        }
        if (out.isEmpty()) throw new BadInputException("--exclude leaves no parameter to measure");
        return out;
    }

    private static List<String> abbreviate(java.util.Collection<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (out.size() == 12) {
                out.add("...");
                break;
            }
            out.add(n);
        }
        return out;
    }

    @Override
    public String toString() {
        return excluded.isEmpty() ? "all" : "all but " + String.join(", ", excluded);
    }
}
