package flatlm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flatlm.util.BadInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    static ModelConfig cfg() {
        return ModelConfig.preset("tiny", 11, 7);
    }

    static double[] outputs(MlmModel m) {
        try (PointerScope s = new PointerScope()) {
            MlmBatch b = MlmBatch.singleMask(new int[][] {{1, 2, 3, 4}, {10, 0}, {5, 5, 5, 5, 5, 5, 5}}, new int[] {2, 0, 6});
            return Torch.toDoubles(m.logProbs(b));
        }
    }

    @Test
    void savedAndLoadedModelGivesIdenticalOutputs() {
        for (ModelConfig.DType dt : ModelConfig.DType.values()) {
            MlmTransformer a = new MlmTransformer(cfg().withDtype(dt), 1);
            Path f = dir.resolve("a-" + dt + ".safetensors");
            SafeTensors.save(f, a, Map.of("step", "17"));
            MlmTransformer b = new MlmTransformer(cfg().withDtype(dt), 2);
            assertFalse(Arrays.equals(outputs(a), outputs(b)));
            SafeTensors.load(f, b);
            assertArrayEquals(outputs(a), outputs(b)); // bitwise
            for (Map.Entry<String, Tensor> e : a.namedParameters().entrySet())
                assertArrayEquals(Torch.toDoubles(e.getValue()), Torch.toDoubles(b.namedParameters().get(e.getKey())));
            assertEquals("17", SafeTensors.readMetadata(f).get("step"));
            assertEquals(a.config(), SafeTensors.readConfig(f));
            MlmModel c = SafeTensors.loadAnyModel(f, "cpu");
            assertTrue(c instanceof MlmTransformer);
            assertArrayEquals(outputs(a), outputs(c));
            // loading keeps gradients working
            try (PointerScope s = new PointerScope()) {
                b.loss(MlmBatch.singleMask(new int[][] {{1, 2}}, new int[] {0})).backward();
                assertTrue(b.namedParameters().get("head.bias").grad().defined());
            }
        }
    }

    @Test
    void headerIsValidSafetensorsJson() throws IOException {
        MlmTransformer a = new MlmTransformer(cfg(), 1);
        Path f = dir.resolve("h.safetensors");
        SafeTensors.save(f, a, null);
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        JsonNode root = new ObjectMapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals("pt", root.get("__metadata__").get("format").asText());
        assertEquals(cfg(), ModelConfig.fromJson(root.get("__metadata__").get(SafeTensors.CONFIG_KEY).asText()));
        long expectedOffset = 0;
        int tensors = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            assertEquals("F32", t.get("dtype").asText());
            Tensor p = a.namedParameters().get(e.getKey());
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).asLong();
            assertArrayEquals(Torch.shape(p), shape, e.getKey());
            long b = t.get("data_offsets").get(0).asLong();
            long end = t.get("data_offsets").get(1).asLong();
            assertEquals(expectedOffset, b);
            assertEquals(p.numel() * 4, end - b);
            // raw little-endian data
            ByteBuffer data = ByteBuffer.wrap(all, (int) (8 + n + b), (int) (end - b)).order(ByteOrder.LITTLE_ENDIAN);
            double[] vals = Torch.toDoubles(p);
            for (double v : vals) assertEquals((float) v, data.getFloat());
            expectedOffset = end;
            tensors++;
        }
        assertEquals(a.namedParameters().size(), tensors);
        assertEquals(all.length, 8 + n + expectedOffset);
    }

    /** The same metadata in any map order give the same bytes (Map.of's order changes from JVM to JVM). */
    @Test
    void metadataOrderDoesNotChangeTheBytes() throws IOException {
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(new MlmTransformer(cfg(), 1).namedParameters());
        Map<String, String> ab = new java.util.LinkedHashMap<>(), ba = new java.util.LinkedHashMap<>();
        ab.put("flatlm.a", "1");
        ab.put("flatlm.b", "2");
        ba.put("flatlm.b", "2");
        ba.put("flatlm.a", "1");
        SafeTensors.write(dir.resolve("ab.safetensors"), tensors, ab);
        SafeTensors.write(dir.resolve("ba.safetensors"), tensors, ba);
        assertArrayEquals(Files.readAllBytes(dir.resolve("ab.safetensors")), Files.readAllBytes(dir.resolve("ba.safetensors")));
    }

    @Test
    void truncatedFileIsBadInput() throws IOException {
        MlmTransformer a = new MlmTransformer(cfg(), 1);
        Path f = dir.resolve("t.safetensors");
        SafeTensors.save(f, a, null);
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int keep : new int[] {all.length - 1, all.length - 1000, (int) (8 + n), (int) (8 + n / 2), 5, 0}) {
            Path g = dir.resolve("cut" + keep + ".safetensors");
            Files.write(g, Arrays.copyOf(all, keep));
            MlmTransformer b = new MlmTransformer(cfg(), 2);
            double[] before = outputs(b);
            BadInputException e = assertThrows(BadInputException.class, () -> SafeTensors.load(g, b), "keep " + keep);
            assertFalse(e.getMessage().contains("\n"));
            assertTrue(e.getMessage().contains(g.toString()), e.getMessage());
            assertArrayEquals(before, outputs(b)); // nothing modified
        }
        assertThrows(BadInputException.class, () -> SafeTensors.load(dir.resolve("missing.safetensors"), a));
    }

    @Test
    void flippedShapeOrCorruptHeaderIsBadInput() throws IOException {
        MlmTransformer a = new MlmTransformer(cfg(), 1);
        Path f = dir.resolve("s.safetensors");
        SafeTensors.save(f, a, null);
        byte[] all = Files.readAllBytes(f);
        String text = new String(all, StandardCharsets.ISO_8859_1);
        // tiny: d=32, dInter=64; fc1.weight is [64,32]
        String fc1 = "\"blocks.0.mlp.fc1.weight\":{\"dtype\":\"F32\",\"shape\":[64,32]";
        assertTrue(text.contains(fc1));
        Path flipped = dir.resolve("flipped.safetensors");
        Files.write(flipped, text.replace(fc1, fc1.replace("[64,32]", "[32,64]")).getBytes(StandardCharsets.ISO_8859_1));
        BadInputException e = assertThrows(BadInputException.class, () -> SafeTensors.load(flipped, a));
        assertTrue(e.getMessage().contains("blocks.0.mlp.fc1.weight") && e.getMessage().contains("shape"), e.getMessage());

        Path badDtype = dir.resolve("dtype.safetensors");
        Files.write(badDtype, text.replace(fc1, fc1.replace("F32", "I32")).getBytes(StandardCharsets.ISO_8859_1));
        assertThrows(BadInputException.class, () -> SafeTensors.load(badDtype, a));

        Path badJson = dir.resolve("json.safetensors");
        byte[] broken = all.clone();
        broken[9] = (byte) '#'; // right after the opening brace
        Files.write(badJson, broken);
        assertThrows(BadInputException.class, () -> SafeTensors.load(badJson, a));

        Path badOffsets = dir.resolve("off.safetensors");
        String off = "\"data_offsets\":[0,";
        assertTrue(text.contains(off));
        Files.write(badOffsets, text.replace(off, "\"data_offsets\":[4,").getBytes(StandardCharsets.ISO_8859_1));
        assertThrows(BadInputException.class, () -> SafeTensors.load(badOffsets, a));

        // a float64 model cannot load float32 weights silently
        MlmTransformer d = new MlmTransformer(cfg().withDtype(ModelConfig.DType.FLOAT64), 1);
        BadInputException e2 = assertThrows(BadInputException.class, () -> SafeTensors.load(f, d));
        assertTrue(e2.getMessage().contains("dtype"), e2.getMessage());
        // a different architecture: missing parameters
        MlmTransformer big = new MlmTransformer(ModelConfig.preset("small", 11, 7), 1);
        assertThrows(BadInputException.class, () -> SafeTensors.load(f, big));
    }

    @Test
    void writeIsAtomicAndReportsUnwritableDirectories() throws IOException {
        MlmTransformer a = new MlmTransformer(cfg(), 1);
        Path f = dir.resolve("w.safetensors");
        SafeTensors.save(f, a, null);
        SafeTensors.save(f, new MlmTransformer(cfg(), 3), null); // overwrite
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.toList();
            assertEquals(List.of(f), files); // no temporary file left behind
        }
        MlmTransformer b = new MlmTransformer(cfg(), 9);
        SafeTensors.load(f, b);
        assertArrayEquals(outputs(new MlmTransformer(cfg(), 3)), outputs(b));
        BadInputException e = assertThrows(BadInputException.class,
            () -> SafeTensors.save(dir.resolve("no/such/dir/x.safetensors"), a, null));
        assertTrue(e.getMessage().startsWith("cannot write"), e.getMessage());
    }
}
