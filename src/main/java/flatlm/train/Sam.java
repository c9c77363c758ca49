package flatlm.train;

import flatlm.model.MlmModel;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Sharpness-aware minimisation (Foret et al. 2021) around any base algorithm: with g = ∇L(θ),
 * ε = ρ g / ‖g‖, the step's gradient is ∇L(θ + ε), evaluated and then θ restored exactly (copied back); the
 * optimizer (AdamW or SGD) then steps from θ with that gradient. Two forward–backward passes
 * per step. The returned loss is L(θ), the unperturbed loss.
 */
public final class Sam implements Algorithm {
    private final Algorithm base;
    private final double rho;

    public Sam(Algorithm base, double rho) {
        this.base = base;
        this.rho = rho;
    }

    @Override
    public double gradients(MlmModel model, Step step) {
        return sharpnessAware(new ArrayList<>(model.namedParameters().values()), () -> base.gradients(model, step),
            model::zeroGrad, rho);
    }

    /**
     * The SAM gradient of the loss whose gradients {@code computeGradients} accumulates into
     * {@code params}: leaves ∇L(θ + ρ g/‖g‖) in the gradients and θ unchanged; returns L(θ).
     */
    public static double sharpnessAware(List<Tensor> params, DoubleSupplier computeGradients, Runnable zeroGrad, double rho) {
        double loss = computeGradients.getAsDouble();
        if (!Double.isFinite(loss)) return loss;
        List<Tensor> saved = new ArrayList<>();
        try (NoGradGuard g = new NoGradGuard()) {
            double sq = 0;
            for (Tensor p : params) {
                Tensor grad = p.grad();
                if (grad.defined()) {
                    double n = grad.norm().item_double();
                    sq += n * n;
                }
            }
            double scale = rho / (Math.sqrt(sq) + 1e-12);
            for (Tensor p : params) {
                Tensor grad = p.grad();
                saved.add(grad.defined() ? p.detach().clone() : null);
                if (grad.defined()) p.add_(grad, new Scalar(scale));
            }
        }
        zeroGrad.run();
        computeGradients.getAsDouble();
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < params.size(); i++) if (saved.get(i) != null) params.get(i).copy_(saved.get(i));
        }
        return loss;
    }
}
