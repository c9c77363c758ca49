package flatlm.train;

import flatlm.ChildJvm;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real trainer (sampling, masking, algorithm, tensor optimizer, evaluations, checkpoints)
 * keeps native memory flat: RSS growth between step 200 and step 2,000 of a tiny run stays
 * under 50 MB (a leaked batch per step would add ~20 kB × 1,800 ≈ 36 MB and a leaked graph far
 * more; see model.MemoryTest for the measured sensitivity of this harness).
 */
class TrainerMemoryTest {
    @Test
    void rssStaysFlatOverTwoThousandTrainerSteps() throws Exception {
        String text = ChildJvm.run(Child.class);
        String line = text.lines().filter(l -> l.startsWith("RSS ")).findFirst().orElseThrow(() -> new AssertionError(text));
        String[] f = line.split(" ");
        long growth = Long.parseLong(f[2]) - Long.parseLong(f[1]);
        System.err.printf("TrainerMemoryTest: RSS growth %d kB between step 200 and 2000%n", growth);
        assertTrue(growth < 50 * 1024, "RSS grew by " + growth + " kB");
    }

    /** Prints {@code RSS <kB at step 200> <kB at step 2000>}. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            TrainConfig c = TrainerTest.tiny(2000);
            c.evalEvery = 500;
            c.checkpointEvery = 1000;
            c.algorithm = "sam";
            Path dir = Files.createTempDirectory("flatlm-mem");
            long[] at200 = new long[1];
            Trainer.start(c, dir).run(0, s -> {
                if (s.step() == 200) {
                    try {
                        at200[0] = ChildJvm.rssKb();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            System.out.println("RSS " + at200[0] + " " + ChildJvm.rssKb());
            Checkpoint.deleteRecursively(dir);
        }
    }
}
