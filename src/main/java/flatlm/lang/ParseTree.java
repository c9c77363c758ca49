package flatlm.lang;

import java.util.List;

/**
 * A derivation of a PCFG: {@code symbol} spans words {@code [start, end)}; leaves of
 * preterminal rules have no children and {@code word >= 0}.
 */
public record ParseTree(int symbol, int start, int end, int word, List<ParseTree> children) {
    public boolean isLeaf() {
        return children.isEmpty();
    }
}
