package flatlm.dyck;

import com.fasterxml.jackson.databind.JsonNode;
import flatlm.lang.dyck.Dyck.Support;
import flatlm.util.Configs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentTest {
    static DyckExperiment.Options small() {
        return new DyckExperiment.Options(4, Support.EQUAL_COUNT, new int[]{32, 64}, new int[]{1, 2, 4, 8, 16}, 5, 3,
            8, 1.0, 0.2, 16, 3000, 500, 0.5, 500, new int[]{4}, 500, true);
    }

    @Test
    void writesTheSectionDataAndPlots(@TempDir Path dir) throws Exception {
        DyckExperiment.Result r = DyckExperiment.run(small(), dir);
        for (String f : new String[]{"dyck.md", "dyck.json", "dyck-solutions.csv", "dyck-downstream.csv", "dyck-sgd.csv",
            "dyck-trace.png", "dyck-trace.svg", "dyck-downstream.png", "dyck-downstream.svg", "dyck-sgd-trace.png",
            "dyck-sgd-trace.svg", "dyck-sgd-loss.png", "dyck-sgd-loss.svg"}) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f);
        }
        String md = Files.readString(dir.resolve("dyck.md"));
        assertTrue(md.startsWith("## Experiment 4"), md);
        assertTrue(md.contains("| transferable, flattest (rank-one W_V, balanced) | 2 |"), md);
        assertTrue(md.contains("As the theorem says, the transferable solution is the flattest."), md);
        assertTrue(md.contains("flatlm dyck --n 4"), md);
        JsonNode json = Configs.parseJson(Files.readString(dir.resolve("dyck.json")));
        assertEquals(4, json.get("options").get("n").asInt());
        assertEquals(r.solutions().size(), json.get("solutions").size());
        // every construction at zero loss, the transferable one flattest, its cross-check exact
        DyckExperiment.Solution flat = r.solution(DyckExperiment.TRANSFERABLE_FLATTEST);
        assertEquals(r.traceBound(), flat.trace(), 1e-12);
        assertEquals(flat.trace(), flat.denseTrace(), 1e-10);
        for (DyckExperiment.Solution s : r.solutions()) {
            if (s.family().equals("sgd")) continue;
            assertTrue(s.loss() < 1e-8, s.id());
            if (s.family().equals("random-features")) assertTrue(s.trace() > flat.trace(), s.id());
        }
        assertEquals(2, r.sgd().size());
        assertTrue(r.solution(DyckExperiment.SGD_PLAIN).loss() < 1e-2);
    }

    @Test
    void sameSeedSameNumbers() {
        DyckExperiment.Options o = small().withPlots(false).withSgd(400, 200, 100);
        DyckExperiment.Result a = DyckExperiment.compute(o), b = DyckExperiment.compute(o);
        for (int i = 0; i < a.solutions().size(); i++) {
            assertEquals(a.solutions().get(i).trace(), b.solutions().get(i).trace(), 0);
            assertEquals(a.solutions().get(i).downstream()[2].mean(), b.solutions().get(i).downstream()[2].mean(), 0);
        }
    }

    @Test
    void labelNoiseSgdDriftsTowardTheFlattestSolution() {
        // n = 4: a few seconds of SGD; the label-noise run ends flatter than the noise-free one
        SgdTrajectory.Options base = new SgdTrajectory.Options(8, 1.0, 0.2, 16, 30_000, 30_000, 0, 0, new int[0], 1, 4);
        SgdTrajectory.Run plain = SgdTrajectory.run("plain", 4, Support.EQUAL_COUNT, base);
        SgdTrajectory.Run noisy = SgdTrajectory.run("noisy", 4, Support.EQUAL_COUNT,
            new SgdTrajectory.Options(8, 1.0, 0.2, 16, 30_000, 30_000, 0.5, 5_000, new int[0], 1, 4));
        assertTrue(plain.last().loss() < 1e-4, "loss " + plain.last().loss());
        assertTrue(noisy.last().loss() < 1e-4, "loss " + noisy.last().loss());
        assertTrue(noisy.last().trace() < plain.last().trace(), noisy.last().trace() + " vs " + plain.last().trace());
        assertTrue(noisy.last().trace() > Constructions.traceLowerBound(4) * 0.9);
    }
}
