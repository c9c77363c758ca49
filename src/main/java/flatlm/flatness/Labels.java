package flatlm.flatness;

import flatlm.model.MaskedLoss;
import flatlm.util.Names;

/**
 * Which loss the Hessian is taken of, at each masked context with model prediction q:
 * {@link #EXACT}: the expected loss {@code Σ_v p*(v|x_-i)(−log q(v))} (no label noise; needs the
 * language's exact conditionals); {@link #DATA}: the sampled data label, {@code −log q(x_i)}.
 * Both have the same expectation over the data, hence the same expected Hessian; EXACT has less
 * variance.
 */
public enum Labels {
    EXACT("exact", MaskedLoss.Labels.EXACT), DATA("data", MaskedLoss.Labels.DATA);

    private final String cli;
    private final MaskedLoss loss;

    Labels(String cli, MaskedLoss.Labels labels) {
        this.cli = cli;
        this.loss = MaskedLoss.of(labels, MaskedLoss.Weighting.FOLDED);
    }

    /** The loss of Tr(H) with these labels: the single-mask weights folded into the labels. */
    public MaskedLoss maskedLoss() {
        return loss;
    }

    public String cliName() {
        return cli;
    }

    public static Labels parse(String s) {
        return Names.parse(values(), Labels::cliName, s, "--labels");
    }
}
