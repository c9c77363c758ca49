package flatlm.model;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backward (and double backward) of the transformer against central finite differences on
 * a tiny float64 model.
 */
class GradientCheckTest {
    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    /** A float64 model whose parameters are all O(0.3) so that every gradient entry is far from 0. */
    static MlmTransformer roughModel(boolean preLn, long seed) {
        ModelConfig cfg = new ModelConfig(7, 6, 8, 2, 2, 12, preLn, 0.0, ModelConfig.DType.FLOAT64);
        MlmTransformer m = new MlmTransformer(cfg, seed);
        SplittableRandom rng = new SplittableRandom(seed + 100);
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Tensor p : m.namedParameters().values()) {
                DoublePointer d = p.data_ptr_double();
                for (long i = 0; i < p.numel(); i++) {
                    double base = d.get(i);
                    d.put(i, base + 0.3 * rng.nextGaussian());
                }
            }
        }
        return m;
    }

    static MlmBatch batch() {
        // padding present (different lengths), masks at several positions, repeated words
        return MlmBatch.singleMask(new int[][] {{0, 1, 2}, {3, 4, 5, 6, 0, 1}, {2, 2}, {6, 5, 4, 3}},
            new int[] {1, 4, 0, 3});
    }

    static double loss(MlmTransformer m) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return m.loss(batch()).item_double();
        }
    }

    /** (parameter, flat index) pairs across embedding, attention, MLP, LayerNorm and bias. */
    static final Object[][] ENTRIES = {
        {"embeddings.tokens.weight", 4 * 8 + 3},   // word 0 (input and output head)
        {"embeddings.tokens.weight", 3 * 8 + 5},   // [MASK]
        {"embeddings.positions.weight", 2 * 8 + 1},
        {"embeddings.norm.weight", 4},
        {"embeddings.norm.bias", 6},
        {"blocks.0.attn_norm.weight", 2},
        {"blocks.0.attn.query.weight", 10},
        {"blocks.0.attn.key.weight", 33},
        {"blocks.0.attn.query.bias", 3},   // (key biases have zero gradient: softmax shift invariance)
        {"blocks.1.attn.value.weight", 17},
        {"blocks.1.attn.out.weight", 50},
        {"blocks.0.attn.out.bias", 5},
        {"blocks.0.mlp_norm.bias", 1},
        {"blocks.0.mlp.fc1.weight", 40},
        {"blocks.1.mlp.fc1.bias", 7},
        {"blocks.1.mlp.fc2.weight", 60},
        {"blocks.1.mlp.fc2.bias", 2},
        {"head.bias", 3},
    };

    @Test
    void gradientsMatchCentralDifferences() {
        for (boolean preLn : new boolean[] {true, false}) {
            MlmTransformer m = roughModel(preLn, 11);
            Map<String, Tensor> params = m.namedParameters();
            Map<String, double[]> grads = new LinkedHashMap<>();
            try (PointerScope s = new PointerScope()) {
                m.zeroGrad();
                m.loss(batch()).backward();
                for (Map.Entry<String, Tensor> e : params.entrySet()) grads.put(e.getKey(), Torch.toDoubles(e.getValue().grad()));
            }
            List<Object[]> entries = new java.util.ArrayList<>(List.of(ENTRIES));
            entries.add(new Object[] {preLn ? "final_norm.weight" : "blocks.1.mlp_norm.weight", 5});
            double h = 1e-5;
            for (Object[] en : entries) {
                String name = (String) en[0];
                int idx = (Integer) en[1];
                Tensor p = params.get(name);
                DoublePointer d = p.data_ptr_double();
                double orig = d.get(idx);
                d.put(idx, orig + h);
                double lp = loss(m);
                d.put(idx, orig - h);
                double lm = loss(m);
                d.put(idx, orig);
                double numeric = (lp - lm) / (2 * h);
                double analytic = grads.get(name)[idx];
                double rel = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic));
                assertTrue(Math.abs(analytic) > 1e-4, name + "[" + idx + "] gradient too small to check: " + analytic);
                assertTrue(rel < 1e-6, name + "[" + idx + "] preLn=" + preLn + " analytic " + analytic + " numeric " + numeric + " rel " + rel);
            }
            // the gradient does not depend on the [PAD] token's embedding (row 0)
            double[] g = grads.get("embeddings.tokens.weight");
            for (int j = 0; j < 8; j++) assertEquals(0.0, g[j]);
        }
    }

    /**
     * Hessian-vector product by double back-propagation (torch.grad with create_graph=true,
     * then the gradient of g·v) against central differences of the gradient along v.
     */
    @Test
    void doubleBackwardHessianVectorProduct() {
        MlmTransformer m = roughModel(true, 5);
        TensorVector params = m.parameterVector();
        int n = (int) params.size();
        SplittableRandom rng = new SplittableRandom(3);
        double[][] v = new double[n][];
        for (int i = 0; i < n; i++) {
            v[i] = new double[(int) params.get(i).numel()];
            for (int j = 0; j < v[i].length; j++) v[i][j] = rng.nextBoolean() ? 1 : -1; // Rademacher
        }
        double[][] hv = new double[n][];
        try (PointerScope s = new PointerScope()) {
            Tensor loss = m.loss(batch());
            TensorVector g = torch.grad(new TensorVector(loss), params, new TensorVector(), new BoolOptional(true), true, false);
            Tensor gv = null;
            for (int i = 0; i < n; i++) {
                Tensor vi = Torch.floatingTensor(v[i], torch.ScalarType.Double, Torch.shape(params.get(i)));
                Tensor term = g.get(i).mul(vi).sum();
                gv = gv == null ? term : gv.add(term);
            }
            TensorVector hvt = torch.grad(new TensorVector(gv), params, new TensorVector(), new BoolOptional(false), false, false);
            for (int i = 0; i < n; i++) hv[i] = Torch.toDoubles(hvt.get(i));
        }
        double h = 1e-5;
        double[][] gp = gradAt(m, v, h);
        double[][] gm = gradAt(m, v, -h);
        double maxErr = 0, maxAbs = 0, vHv = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < hv[i].length; j++) {
                double fd = (gp[i][j] - gm[i][j]) / (2 * h);
                maxErr = Math.max(maxErr, Math.abs(fd - hv[i][j]));
                maxAbs = Math.max(maxAbs, Math.abs(hv[i][j]));
                vHv += v[i][j] * hv[i][j];
            }
        }
        assertTrue(maxAbs > 1e-2, "degenerate Hessian-vector product");
        assertTrue(maxErr < 1e-6 * maxAbs, "HVP error " + maxErr + " vs scale " + maxAbs);
        assertTrue(Double.isFinite(vHv));
    }

    /** The gradient at θ + t·v (parameters restored afterwards). */
    private static double[][] gradAt(MlmTransformer m, double[][] v, double t) {
        TensorVector params = m.parameterVector();
        int n = (int) params.size();
        double[][] out = new double[n][];
        shift(params, v, t);
        try (PointerScope s = new PointerScope()) {
            Tensor loss = m.loss(batch());
            TensorVector g = torch.grad(new TensorVector(loss), params);
            for (int i = 0; i < n; i++) out[i] = Torch.toDoubles(g.get(i));
        } finally {
            shift(params, v, -t);
        }
        return out;
    }

    private static void shift(TensorVector params, double[][] v, double t) {
        for (int i = 0; i < v.length; i++) {
            DoublePointer d = params.get(i).data_ptr_double();
            for (int j = 0; j < v[i].length; j++) d.put(j, d.get(j) + t * v[i][j]);
        }
    }
}
