package flatlm.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlotsTest {
    static void assertPngAndSvg(Path dir, String name) throws Exception {
        BufferedImage img = ImageIO.read(dir.resolve(name + ".png").toFile());
        assertNotNull(img, name + ".png is not a readable image");
        assertTrue(img.getWidth() > 100);
        String svg = Files.readString(dir.resolve(name + ".svg")).stripLeading();
        assertTrue(svg.startsWith("<svg") || svg.startsWith("<?xml"), svg.substring(0, Math.min(60, svg.length())));
    }

    @Test
    void writesLinesWithErrorBarsSecondAxisAndLogScale(@TempDir Path dir) throws Exception {
        double[] x = {0, 100, 200, 300, Double.NaN}, y = {0.5, 0.1, 0.02, 0.004, 1}, e = {0.01, 0.01, Double.NaN, 0.001, 0};
        Plots.Figure f = new Plots.Figure("two-axes", "KL and accuracy", "step", "KL", List.of(
            Plots.Series.line("KL", x, y, e),
            Plots.Series.line("accuracy", x, new double[] {40, 45, 47, 48, 50}, new double[] {1, 1, 1, 1, 1}).onRightAxis()))
            .withRightAxis("accuracy (%)");
        assertEquals(2, Plots.write(f, dir).size());
        assertPngAndSvg(dir, "two-axes");
        Plots.Figure log = new Plots.Figure("log", "log", "step", "KL", List.of(Plots.Series.line("KL", x, new double[] {0.5, 0, 0.02, 0.004, 1}, e))).withLogY();
        Plots.write(log, dir);
        assertPngAndSvg(dir, "log");
    }

    @Test
    void scatterWithFitAndBars(@TempDir Path dir) throws Exception {
        double[] x = {3.1, 3.2, 3.3, 3.4}, y = {60, 55, 49, 44};
        Statistics.Fit fit = Statistics.fit(x, y);
        Plots.write(new Plots.Figure("fit", "fit", "CE", "acc", List.of(Plots.Series.scatter("points", x, y, null),
            Plots.Series.fit("line", fit.slope(), fit.intercept(), 3.1, 3.4))), dir);
        assertPngAndSvg(dir, "fit");
        Plots.write(new Plots.Bars("bars", "bars", "algorithm", "acc", List.of("standard", "lookup"), List.of("A", "B"),
            List.of(new double[] {80, 70}, new double[] {40, Double.NaN}), List.of(new double[] {1, 2}, new double[] {1, 1})), dir);
        assertPngAndSvg(dir, "bars");
    }

    @Test
    void nothingToDrawWritesNothing(@TempDir Path dir) throws Exception {
        Plots.Figure f = new Plots.Figure("empty", "empty", "x", "y", List.of(
            Plots.Series.line("nan", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN}, null),
            Plots.Series.line("none", new double[0], new double[0], null)));
        assertTrue(Plots.write(f, dir).isEmpty());
        assertTrue(Files.notExists(dir.resolve("empty.png")));
    }
}
