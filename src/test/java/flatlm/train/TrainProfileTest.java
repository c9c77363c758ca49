package flatlm.train;

import flatlm.model.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step profile: every phase in order, with its native handles; standard and exact-target losses only. */
class TrainProfileTest {
    @BeforeAll
    static void oneThread() {
        Torch.setThreads(1);
    }

    @Test
    void profilesEveryPhaseOfTheStep() throws Exception {
        for (String algorithm : new String[] {"standard", "exact-target"}) {
            TrainConfig c = TrainerTest.tiny(1);
            c.algorithm = algorithm;
            TrainProfile.Result r = TrainProfile.run(c, 1, 3);
            assertEquals(List.of(TrainProfile.PHASES), List.copyOf(r.phases().keySet()));
            assertEquals(3, r.steps());
            double[] forward = r.phases().get("forward + loss");
            assertTrue(forward[0] > 0 && forward[1] > 0, algorithm);
            assertTrue(forward[2] >= 20, "a forward pass makes native calls: " + forward[2]);
            assertEquals(12, r.phases().get("masking (batch tensors)")[2], 1e-9); // 5 tensors with their shapes
            assertTrue(r.totalCpuMs() > 0 && r.totalMs() >= forward[0]);
        }
        TrainConfig sam = TrainerTest.tiny(1);
        sam.algorithm = "sam";
        assertThrows(IllegalArgumentException.class, () -> TrainProfile.run(sam, 0, 1));
    }
}
