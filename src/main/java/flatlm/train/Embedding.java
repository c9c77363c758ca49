package flatlm.train;

import flatlm.lang.LanguageSpec;
import flatlm.model.MlmTransformer;
import flatlm.model.ModelConfig;
import flatlm.model.SafeTensors;
import flatlm.model.Torch;
import flatlm.util.BadInputException;
import flatlm.util.Configs;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeds a small {@link MlmTransformer} into a larger architecture without changing the function
 * it computes (SPEC.md section 2, the paper's App. B.4), so that models of different sizes can be
 * compared in one parameter space (the paper's Fig. 5 / Table 4).
 *
 * <p>With width ratio {@code k = d_L / d_S} ("repeat" is tiling, as {@code torch.repeat}):
 * <pre>
 *   token and position embeddings [n,d]   -> repeat(1,k)/k         (the decoder is tied to them)
 *   attention q,k,v,out weights [d,d]     -> repeat(k,k)/k,  biases repeat(k)
 *   LayerNorm weights and biases [d]      -> repeat(k)
 *   MLP fc1 [i,d] -> repeat(m,k)/k then zero rows up to i_L;   fc1 bias repeat(m) then zeros
 *   MLP fc2 [d,i] -> repeat(k,m)/m then zero columns up to i_L; fc2 bias repeat(k)
 *   output bias [V]                       -> copied
 *   blocks beyond the small model's       -> all zero (LayerNorm weights included)
 * </pre>
 * where {@code m = floor(i_L / i_S)} copies of the MLP's intermediate units (m = k is exactly the
 * authors' repeat(k,k)/k; the paper's Table 4 d-inter values are not multiples, hence the zero
 * padding: a unit with zero input and output weights contributes gelu(0)·0 = 0).
 *
 * <p>Why the function is unchanged: the embedding sum of the large model is the small one's
 * tiled k times and divided by k, which has the same LayerNorm statistics up to the scale 1/k,
 * so the embedding LayerNorm (epsilon 1e-12, see {@link MlmTransformer#LAYER_NORM_EPS}) outputs
 * the small model's normalised vector tiled k times. A tiled input through a repeat(k,k)/k
 * matrix gives the small output tiled; LayerNorm of a tiled vector is the tiled LayerNorm.
 * <b>Heads:</b> q, k and v are tiled, so the large model's q is {@code [q_1..q_h, q_1..q_h, ...]};
 * with the <i>same head size</i> d_S/h_S and {@code h_L = k·h_S} heads, every large head is an
 * exact copy of a small head (same scores, same 1/√(head size) scale), and the context vector is
 * the small one tiled. Keeping the number of heads and enlarging the head size instead would
 * make a large head span several small heads (mixing their scores) and change the 1/√ scale, so
 * it is refused. The paper's sizes all have head size 64, so this is their case too.
 * <b>Extra blocks</b> (pre-LN only): with every parameter zero, LN(x) = 0, attention outputs
 * out-bias 0 and the MLP fc2-bias 0, so x + 0 = x. Under post-LN an extra block would apply a
 * LayerNorm to the residual stream, so only widening is allowed there.
 *
 * <p>Precision: the function is the same up to the embedding LayerNorm's epsilon (the large
 * model normalises x/k, dividing by √(σ² + k²ε) instead of √(σ² + ε), ε = 1e-12): measured
 * max |Δ log q| ≈ 1e-6 in float32 (rounding) and 2e-11 (k=2) / 5e-11 (k=3) in float64.
 *
 * <p>The trace of the Hessian is not invariant under this map parameter by parameter (measured
 * exactly by {@code EmbeddingTest}, Fisher traces per parameter): a repeat(k,k)/k matrix has k²
 * entries whose gradient is the small one's / k, so attention matrices (and MLP matrices when
 * m = k; fc1 scales by k/m and fc2 by m/k otherwise) keep their trace; LayerNorm parameters and
 * biases (k copies, gradient / k) contribute 1/k of theirs; the token and position embeddings
 * (every copy receives the full gradient, LayerNorm being scale invariant) contribute k times
 * theirs. Zero-padded MLP units contribute 0; in the zero extra blocks every parameter has zero
 * gradient except the two biases added to the residual stream ({@code attn.out.bias},
 * {@code mlp.fc2.bias}), whose gradient is the residual stream's.
 */
public final class Embedding {
    private Embedding() {}

    /** How a small config maps into a large one. */
    public record Plan(int widthRatio, int interCopies, int interPadding, int extraLayers) {}

    /** Validates that {@code small} embeds into {@code large}; one-line {@link BadInputException} otherwise. */
    public static Plan plan(ModelConfig small, ModelConfig large) {
        if (small.vocabWords() != large.vocabWords())
            throw new BadInputException("cannot embed: the small model has " + small.vocabWords() + " words, the large architecture "
                + large.vocabWords());
        if (small.maxLength() != large.maxLength())
            throw new BadInputException("cannot embed: the small model takes sentences of up to " + small.maxLength()
                + " words, the large architecture " + large.maxLength());
        if (small.preLn() != large.preLn())
            throw new BadInputException("cannot embed a " + (small.preLn() ? "pre" : "post") + "-LN model into a "
                + (large.preLn() ? "pre" : "post") + "-LN architecture");
        if (large.d() < small.d() || large.d() % small.d() != 0)
            throw new BadInputException("cannot embed width " + small.d() + " into width " + large.d()
                + ": the large width must be a multiple of the small one");
        int k = large.d() / small.d();
        if (large.heads() != k * small.heads())
            throw new BadInputException("cannot embed " + small.heads() + " heads of size " + small.headSize() + " into "
                + large.heads() + " heads of size " + large.headSize() + ": width ratio " + k + " needs " + (k * small.heads())
                + " heads of the same size " + small.headSize());
        if (large.layers() < small.layers())
            throw new BadInputException("cannot embed " + small.layers() + " layers into " + large.layers()
                + ": the large architecture must have at least as many layers");
        if (large.layers() > small.layers() && !large.preLn())
            throw new BadInputException("cannot add layers to a post-LN model (an extra post-LN block is not the identity); "
                + "only widening is possible");
        if (large.dInter() < small.dInter())
            throw new BadInputException("cannot embed an MLP of width " + small.dInter() + " into one of width " + large.dInter());
        int m = large.dInter() / small.dInter();
        return new Plan(k, m, large.dInter() - m * small.dInter(), large.layers() - small.layers());
    }

    /** A new large model computing the same function as {@code small}. */
    public static MlmTransformer embed(MlmTransformer small, ModelConfig large) {
        ModelConfig cfg = large.withDtype(small.dtype());
        LinkedHashMap<String, Tensor> values = embedParameters(small.namedParameters(), small.config(), cfg);
        MlmTransformer out = new MlmTransformer(cfg, 0, small.device());
        try (PointerScope s = new PointerScope()) {
            out.copyParametersFrom(values);
        }
        return out;
    }

    /**
     * The large model's parameters (by name) from the small model's; the returned tensors are
     * kept alive past the caller's scope.
     */
    public static LinkedHashMap<String, Tensor> embedParameters(Map<String, Tensor> small, ModelConfig s, ModelConfig l) {
        Plan plan = plan(s, l);
        int k = plan.widthRatio();
        int m = plan.interCopies();
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            put(out, "embeddings.tokens.weight", small.get("embeddings.tokens.weight").repeat(1, k).div(Torch.scalar(k)));
            put(out, "embeddings.positions.weight", small.get("embeddings.positions.weight").repeat(1, k).div(Torch.scalar(k)));
            put(out, "embeddings.norm.weight", small.get("embeddings.norm.weight").repeat(k));
            put(out, "embeddings.norm.bias", small.get("embeddings.norm.bias").repeat(k));
            for (int b = 0; b < l.layers(); b++) {
                String p = "blocks." + b + ".";
                if (b < s.layers()) {
                    for (String n : List.of("attn_norm.weight", "attn_norm.bias", "mlp_norm.weight", "mlp_norm.bias",
                        "attn.query.bias", "attn.key.bias", "attn.value.bias", "attn.out.bias", "mlp.fc2.bias")) {
                        put(out, p + n, small.get(p + n).repeat(k));
                    }
                    for (String n : List.of("attn.query.weight", "attn.key.weight", "attn.value.weight", "attn.out.weight")) {
                        put(out, p + n, small.get(p + n).repeat(k, k).div(Torch.scalar(k)));
                    }
                    Tensor fc1 = small.get(p + "mlp.fc1.weight").repeat(m, k).div(Torch.scalar(k));
                    Tensor fc1b = small.get(p + "mlp.fc1.bias").repeat(m);
                    Tensor fc2 = small.get(p + "mlp.fc2.weight").repeat(k, m).div(Torch.scalar(m));
                    if (plan.interPadding() > 0) {
                        fc1 = torch.cat(new TensorVector(fc1, torch.zeros(new long[] {plan.interPadding(), l.d()}, fc1.options())), 0);
                        fc1b = torch.cat(new TensorVector(fc1b, torch.zeros(new long[] {plan.interPadding()}, fc1b.options())), 0);
                        fc2 = torch.cat(new TensorVector(fc2, torch.zeros(new long[] {l.d(), plan.interPadding()}, fc2.options())), 1);
                    }
                    put(out, p + "mlp.fc1.weight", fc1);
                    put(out, p + "mlp.fc1.bias", fc1b);
                    put(out, p + "mlp.fc2.weight", fc2);
                } else {
                    Tensor like = small.get("embeddings.norm.weight");
                    long d = l.d(), di = l.dInter();
                    for (String n : List.of("attn_norm.weight", "attn_norm.bias", "mlp_norm.weight", "mlp_norm.bias",
                        "attn.query.bias", "attn.key.bias", "attn.value.bias", "attn.out.bias", "mlp.fc2.bias")) {
                        put(out, p + n, torch.zeros(new long[] {d}, like.options()));
                    }
                    for (String n : List.of("attn.query.weight", "attn.key.weight", "attn.value.weight", "attn.out.weight")) {
                        put(out, p + n, torch.zeros(new long[] {d, d}, like.options()));
                    }
                    put(out, p + "mlp.fc1.weight", torch.zeros(new long[] {di, d}, like.options()));
                    put(out, p + "mlp.fc1.bias", torch.zeros(new long[] {di}, like.options()));
                    put(out, p + "mlp.fc2.weight", torch.zeros(new long[] {d, di}, like.options()));
                }
            }
            if (l.preLn()) {
                put(out, "final_norm.weight", small.get("final_norm.weight").repeat(k));
                put(out, "final_norm.bias", small.get("final_norm.bias").repeat(k));
            }
            put(out, "head.bias", small.get("head.bias").clone());
        }
        return out;
    }

    private static void put(Map<String, Tensor> out, String name, Tensor t) {
        out.put(name, Torch.keep(t.detach().contiguous()));
    }

    // ---------------------------------------------------------------- presets

    /** The paper's Table 4 sizes (d, heads, layers, d-inter): widths whose lcm is the largest, 1920. */
    public static final List<ModelConfig.Size> TABLE4 = List.of(
        new ModelConfig.Size(128, 2, 4, 512, "Table 4 size 1"),
        new ModelConfig.Size(192, 3, 5, 768, "Table 4 size 2"),
        new ModelConfig.Size(320, 5, 6, 1024, "Table 4 size 3"),
        new ModelConfig.Size(384, 6, 7, 2048, "Table 4 size 4"),
        new ModelConfig.Size(640, 10, 12, 3072, "Table 4 size 5"),
        new ModelConfig.Size(960, 15, 16, 4096, "Table 4 size 6"),
        new ModelConfig.Size(1920, 30, 20, 5120, "Table 4 size 7: the large architecture (lcm of the widths)"));

    /** Table 4 at CPU scale: widths and d-inter divided by 8, same heads (head size 8) and layers; lcm 240. */
    public static final List<ModelConfig.Size> TABLE4_CPU;

    static {
        List<ModelConfig.Size> cpu = new ArrayList<>();
        for (ModelConfig.Size s : TABLE4) {
            cpu.add(new ModelConfig.Size(s.d() / 8, s.heads(), s.layers(), s.dInter() / 8, s.description() + ", divided by 8"));
        }
        TABLE4_CPU = Collections.unmodifiableList(cpu);
    }

    /**
     * Architectures {@code embed --into} accepts: the model presets ({@link ModelConfig#presets()}),
     * {@code table4-D} (the paper's Table 4, D = 128 ... 1920) and {@code table4-cpu-D} (Table 4 / 8,
     * D = 16 ... 240).
     */
    public static Map<String, ModelConfig.Size> presets() {
        Map<String, ModelConfig.Size> m = new LinkedHashMap<>(ModelConfig.presets());
        for (ModelConfig.Size s : TABLE4) m.put("table4-" + s.d(), s);
        for (ModelConfig.Size s : TABLE4_CPU) m.put("table4-cpu-" + s.d(), s);
        return Collections.unmodifiableMap(m);
    }

    /** The architecture named {@code preset} with the small model's vocabulary, length, LN placement and dtype. */
    public static ModelConfig preset(String preset, ModelConfig small) {
        ModelConfig.Size s = presets().get(preset);
        if (s == null) throw new BadInputException("unknown architecture '" + preset + "' (known: "
            + String.join(", ", presets().keySet()) + ")");
        return new ModelConfig(small.vocabWords(), small.maxLength(), s.d(), s.heads(), s.layers(), s.dInter(),
            small.preLn(), 0.0, small.dtype());
    }

    // ---------------------------------------------------------------- checkpoints

    public static final String INFO = "embedding.json";

    /**
     * Embeds the checkpoint {@code smallCheckpoint} (directory, model file or run directory) into
     * {@code large} and writes {@code out}: a checkpoint directory (as {@link Checkpoint#save}, with the
     * small checkpoint's step and language, plus {@code embedding.json} describing the map), or a
     * bare model file when {@code out} ends in {@code .safetensors}. Returns the large model.
     */
    public static MlmTransformer embedCheckpoint(Path smallCheckpoint, ModelConfig large, Path out) throws IOException {
        OpenedCheckpoint cp = Checkpoint.open(smallCheckpoint);
        Path resolved = cp.path();
        MlmTransformer small = cp.transformer("cpu");
        Plan plan = plan(small.config(), large);
        LanguageSpec language = cp.spec();
        long step = cp.step().orElse(0);
        MlmTransformer big = embed(small, large);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("source", resolved.toAbsolutePath().toString());
        info.put("source_config", small.config());
        info.put("config", big.config());
        info.put("width_ratio", plan.widthRatio());
        info.put("mlp_copies", plan.interCopies());
        info.put("mlp_zero_units", plan.interPadding());
        info.put("extra_layers", plan.extraLayers());
        if (out.getFileName().toString().endsWith(".safetensors")) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("flatlm.step", Long.toString(step));
            if (language != null) meta.put(Checkpoint.LANGUAGE_KEY, Configs.toJson(language));
            meta.put("flatlm.embedding", Configs.toJsonLine(info));
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            SafeTensors.save(out, big, meta);
            return big;
        }
        if (language == null)
            throw new BadInputException(smallCheckpoint + ": the checkpoint does not record its language; write a bare model "
                + "file instead (--out FILE.safetensors)");
        Checkpoint.saveStandalone(out, "embedding", step, big, language, INFO, info, true);
        return big;
    }
}
