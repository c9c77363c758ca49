/**
 * Masked language models on libtorch (bytedeco pytorch 2.10.0-1.5.13), SPEC.md section 2.
 *
 * <ul>
 *   <li>{@link flatlm.model.Tokens}: token layout ([PAD]=0 [CLS]=1 [SEP]=2 [MASK]=3, word w = 4+w);
 *       the masked-LM distribution is over the language's words only.</li>
 *   <li>{@link flatlm.model.ModelConfig} + {@link flatlm.model.MlmTransformer}: the BERT-style
 *       transformer (named presets: tiny, small, base-cpu, base-cpu-4, paper-64 ... paper-1024).</li>
 *   <li>{@link flatlm.model.LstmConfig} + {@link flatlm.model.MlmLstm}: bidirectional LSTM MLM.</li>
 *   <li>{@link flatlm.model.MlmBatch}: batches from word-id sentences and mask positions.</li>
 *   <li>{@link flatlm.model.SafeTensors}: checkpoints readable by Python's safetensors.</li>
 *   <li>{@link flatlm.model.ModelBench}: training-throughput benchmark.</li>
 * </ul>
 *
 * <h2>libtorch from Java: what to know</h2>
 * <ul>
 *   <li><b>Scopes.</b> Every tensor op allocates a native handle. Run each step / batch inside
 *       {@code try (PointerScope s = new PointerScope())}; keep a result past it with
 *       {@link flatlm.model.Torch#keep} (retainReference; the GC frees it later) or copy it
 *       to Java arrays ({@link flatlm.model.Torch#toDoubles}). {@code PointerScope.detach}
 *       does NOT keep a pointer: it releases the reference and may free it at once.</li>
 *   <li><b>Enums returned by native calls</b> (e.g. {@code Tensor.scalar_type()}) are fresh
 *       instances with ordinal 0: they print right, but {@code ==}, {@code equals} and
 *       {@code switch} on them are wrong. Use {@link flatlm.model.Torch#scalarType} or
 *       compare {@code .value}.</li>
 *   <li><b>Double backward</b> works: {@code torch.grad(new TensorVector(loss), params,
 *       new TensorVector(), new BoolOptional(true), true, false)} (retain_graph, create_graph)
 *       returns gradients that are themselves differentiable; a second {@code torch.grad} of
 *       {@code Σ g·v} gives Hv (see GradientCheckTest). Every op of the models here supports it.</li>
 *   <li><b>Optional arguments</b>: pass {@code new TensorOptional(t)},
 *       {@code new MemoryFormatOptional()}, etc.; never {@code null}.</li>
 *   <li><b>Threads</b>: {@link flatlm.model.Torch#setThreads} sets libtorch's and OpenBLAS's
 *       thread counts ({@code torch.set_num_threads} alone leaves OpenBLAS on every core:
 *       a 1-thread step ran 10× slower on a busy machine). libtorch here uses OpenMP; with 2
 *       threads on a 2-core machine that also runs other work, OpenMP's spinning threads made
 *       steps ~25× slower (656 vs 18,164 tokens/s with {@code OMP_WAIT_POLICY=PASSIVE}, read by
 *       libgomp at start only): prefer 1 thread per process and parallel runs.</li>
 * </ul>
 */
package flatlm.model;
