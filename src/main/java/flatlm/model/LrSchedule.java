package flatlm.model;

/**
 * Learning rate at step t (0-based) of T: linear warmup lr·(t+1)/W for t &lt; W, then
 * constant lr, linear lr·(1 − (1−r)·u), or cosine lr·(r + (1−r)·(1 + cos πu)/2) with
 * u = (t − W)/(T − W − 1) ∈ [0, 1] and r = minLrRatio. A pure function of t, so a resumed
 * run continues the schedule exactly.
 */
public record LrSchedule(double peak, int warmup, String decay, double minLrRatio, int totalSteps) {
    public double at(int step) {
        if (step < warmup) return peak * (step + 1) / warmup;
        int span = totalSteps - warmup - 1;
        double u = span <= 0 ? 1.0 : Math.min(1.0, (double) (step - warmup) / span);
        return switch (decay) {
            case "constant" -> peak;
            case "linear" -> peak * (1 - (1 - minLrRatio) * u);
            case "cosine" -> peak * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * u)));
            default -> throw new IllegalArgumentException("unknown decay " + decay);
        };
    }
}
