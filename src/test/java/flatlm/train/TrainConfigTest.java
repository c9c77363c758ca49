package flatlm.train;

import flatlm.util.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    /** Exact targets p*(x_i | x_-i) assume every other word is visible: BERT masking hides or corrupts some. */
    @Test
    void exactTargetsWithBertMaskingAreRefused() {
        for (String algorithm : List.of("exact-target", "sam-exact-target", "adversarial-exact-target")) {
            TrainConfig c = new TrainConfig();
            c.algorithm = algorithm;
            c.data.masking = "bert";
            BadInputException e = assertThrows(BadInputException.class, c::validate);
            assertTrue(e.getMessage().contains("data.masking single") && e.getMessage().contains(algorithm), e.getMessage());
            c.data.masking = "single";
            assertDoesNotThrow(c::validate);
        }
        TrainConfig standard = new TrainConfig();
        standard.data.masking = "bert";
        assertDoesNotThrow(standard::validate);
    }
}
