package flatlm.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The whole-buffer update (a transformer's parameters lie back to back) against the per-tensor one
 * (the same parameters handed over in another order), on the same gradients: the same parameters
 * and the same named state, step after step; a step with an undefined gradient updates per tensor.
 */
class OptimizerFlatTest {
    static final ModelConfig CFG = new ModelConfig(7, 6, 8, 2, 2, 12, true, 0.0, ModelConfig.DType.FLOAT64);
    static final int[][] SENTENCES = {{0, 1, 2}, {3, 4, 5, 6, 0, 1}, {2, 2}};

    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    static LinkedHashMap<String, Tensor> reversed(LinkedHashMap<String, Tensor> m) {
        List<String> keys = new ArrayList<>(m.keySet());
        Collections.reverse(keys);
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (String k : keys) out.put(k, m.get(k));
        return out;
    }

    @Test
    void parametersOfATransformerAreOneBuffer() {
        MlmTransformer m = new MlmTransformer(CFG, 1);
        assertNotNull(Optimizer.flatView(m.namedParameters().values().toArray(new Tensor[0])));
        assertNull(Optimizer.flatView(reversed(m.namedParameters()).values().toArray(new Tensor[0])));
    }

    @Test
    void wholeBufferUpdateIsThePerTensorUpdate() {
        check(p -> new Optimizer.AdamW(p, 0.9, 0.99, 1e-8, 0.01));
        check(p -> new Optimizer.Sgd(p, 0.9, 0.01));
    }

    private static void check(Function<LinkedHashMap<String, Tensor>, Optimizer> make) {
        MlmTransformer a = new MlmTransformer(CFG, 3), b = new MlmTransformer(CFG, 3);
        Optimizer flat = make.apply(a.namedParameters());
        Optimizer perTensor = make.apply(reversed(b.namedParameters()));
        for (int step = 0; step < 4; step++) {
            try (PointerScope s = new PointerScope()) {
                MlmBatch batch = MlmBatch.singleMask(SENTENCES, new int[] {step % 3, (step + 1) % 6, step % 2});
                for (MlmTransformer m : new MlmTransformer[] {a, b}) {
                    m.zeroGrad();
                    m.loss(batch).backward();
                    if (step == 2) m.namedParameters().get("head.bias").mutable_grad().put(new Tensor()); // undefined
                }
                flat.step(0.01);
                perTensor.step(0.01);
            }
            for (Map.Entry<String, Tensor> e : a.namedParameters().entrySet()) {
                double[] x = Torch.toDoubles(e.getValue()), y = Torch.toDoubles(b.namedParameters().get(e.getKey()));
                for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-15, e.getKey() + " at step " + step);
            }
        }
        LinkedHashMap<String, Tensor> sa = flat.state(), sb = perTensor.state();
        assertEquals(new java.util.TreeSet<>(sb.keySet()), new java.util.TreeSet<>(sa.keySet()));
        for (String k : sa.keySet()) {
            assertArrayEquals(Torch.shape(sb.get(k)), Torch.shape(sa.get(k)), k);
            double[] x = Torch.toDoubles(sa.get(k)), y = Torch.toDoubles(sb.get(k));
            for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-15, k);
        }
    }
}
