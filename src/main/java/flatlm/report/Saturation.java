package flatlm.report;

/**
 * Saturation (paper Section 4): a checkpoint is saturated when its exact pre-training KL to the
 * true conditionals is below the plan's threshold, KL &lt; {@code saturationKl} (0.01 nats per token
 * by default). The one rule; training logs, measured rows and the report's claims all use it.
 */
public final class Saturation {
    private Saturation() {}

    /** KL &lt; threshold (false for an unmeasured, NaN, KL). */
    public static boolean saturated(double kl, double saturationKl) {
        return Double.isFinite(kl) && kl < saturationKl;
    }
}
