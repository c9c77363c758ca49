package flatlm.exec;

import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Job ids keep the text of the old string ids (marker files, task files and submissions stay valid); the registry of kinds. */
class JobIdTest {
    @Test
    void theTextFormIsTheOldIdAndTheMarkerFileFollowsIt(@TempDir Path out) {
        assertEquals("train convergence/adamw/s1", JobId.of("train", "convergence/adamw/s1").toString());
        assertEquals("sgd/lr0.003/s2", JobId.ofRun("sgd/lr0.003/s2").toString());
        assertEquals("dyck", JobId.ofKind("dyck").toString());
        assertTrue(JobId.of("train", "a").is("train"));
        assertFalse(JobId.ofRun("a").is("train"));
        assertNotEquals(JobId.of("train", "a"), JobId.of("measure", "a"));
        // a marker's file name depends on the text only: the same as before job ids were records
        JobMarkers m = new JobMarkers(out);
        assertEquals(out.resolve("jobs").resolve("train_convergence_adamw_s1-"
            + flatlm.util.Checksums.shortHash("train convergence/adamw/s1").substring(0, 6) + ".json"),
            m.file(JobId.of("train", "convergence/adamw/s1")));
        assertThrows(IllegalArgumentException.class, () -> new JobId(null, null));
    }

    @Test
    void aTaskOfAnUnregisteredKindIsAOneLineError(@TempDir Path out) {
        Workloads kinds = new Workloads().register("a", dir -> null).register("b", dir -> null);
        BadInputException e = assertThrows(BadInputException.class, () -> kinds.open("reproduce", out));
        assertEquals("unknown workload kind 'reproduce' (known: a, b)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> kinds.register("a", dir -> null));
    }
}
