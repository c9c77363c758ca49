package flatlm.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's figures with XChart (headless), each written as NAME.png and NAME.svg. Points
 * with a NaN coordinate (or a non-positive one on a log axis) are left out; a figure with no
 * point left is not written at all.
 */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /** How a series is drawn. */
    public enum Style { LINE, SCATTER, FIT }

    /**
     * One series: {@code err} (nullable) gives symmetric error bars; {@code rightAxis} puts it
     * on the second y-axis.
     */
    public record Series(String name, double[] x, double[] y, double[] err, Style style, boolean rightAxis) {
        public static Series line(String name, double[] x, double[] y, double[] err) {
            return new Series(name, x, y, err, Style.LINE, false);
        }

        public static Series scatter(String name, double[] x, double[] y, double[] err) {
            return new Series(name, x, y, err, Style.SCATTER, false);
        }

        /** The fitted line y = intercept + slope·x drawn over [x0, x1]. */
        public static Series fit(String name, double slope, double intercept, double x0, double x1) {
            return new Series(name, new double[] {x0, x1}, new double[] {intercept + slope * x0, intercept + slope * x1},
                null, Style.FIT, false);
        }

        public Series onRightAxis() {
            return new Series(name, x, y, err, style, true);
        }
    }

    /** An x–y figure; {@code y2Title} names the second y-axis (null when unused). */
    public record Figure(String name, String title, String xTitle, String yTitle, String y2Title,
                         boolean logX, boolean logY, List<Series> series) {
        public Figure(String name, String title, String xTitle, String yTitle, List<Series> series) {
            this(name, title, xTitle, yTitle, null, false, false, series);
        }

        public Figure withLogX() {
            return new Figure(name, title, xTitle, yTitle, y2Title, true, logY, series);
        }

        public Figure withLogY() {
            return new Figure(name, title, xTitle, yTitle, y2Title, logX, true, series);
        }

        public Figure withRightAxis(String title2) {
            return new Figure(name, title, xTitle, yTitle, title2, logX, logY, series);
        }
    }

    /** A bar chart: one bar per category for each series, with error bars (nullable). */
    public record Bars(String name, String title, String xTitle, String yTitle, List<String> categories,
                       List<String> seriesNames, List<double[]> values, List<double[]> errors) {}

    /** Writes the figure as dir/NAME.png and dir/NAME.svg; returns them, or nothing when no point is drawable. */
    public static List<Path> write(Figure f, Path dir) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(540).title(f.title())
            .xAxisTitle(f.xTitle()).yAxisTitle(f.yTitle()).build();
        Styler st = chart.getStyler();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisLogarithmic(f.logX());
        chart.getStyler().setYAxisLogarithmic(f.logY());
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        st.setChartBackgroundColor(java.awt.Color.WHITE);
        boolean any = false;
        for (Series s : f.series()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>(), e = new ArrayList<>();
            for (int i = 0; i < s.x().length; i++) {
                double xi = s.x()[i], yi = s.y()[i];
                if (!Double.isFinite(xi) || !Double.isFinite(yi) || (f.logX() && xi <= 0) || (f.logY() && yi <= 0)) continue;
                double ei = s.err() == null || !Double.isFinite(s.err()[i]) ? 0 : Math.abs(s.err()[i]);
                if (f.logY() && yi - ei <= 0) ei = 0; // a bar below zero cannot be drawn on a log axis
                x.add(xi);
                y.add(yi);
                e.add(ei);
            }
            if (x.isEmpty()) continue;
            any |= s.style() != Style.FIT;
            XYSeries xs = s.err() == null ? chart.addSeries(s.name(), x, y) : chart.addSeries(s.name(), x, y, e);
            switch (s.style()) {
                case LINE -> xs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                case SCATTER -> xs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                case FIT -> {
                    xs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                    xs.setMarker(SeriesMarkers.NONE);
                    xs.setLineStyle(SeriesLines.DASH_DASH);
                }
            }
            if (s.rightAxis()) xs.setYAxisGroup(1);
        }
        if (!any) return List.of();
        if (f.y2Title() != null) {
            st.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            chart.setYAxisGroupTitle(0, f.yTitle());
            chart.setYAxisGroupTitle(1, f.y2Title());
        }
        return save(chart, dir, f.name());
    }

    /** Writes a bar chart as dir/NAME.png and dir/NAME.svg (a NaN bar is drawn as 0; the tables show it as "–"). */
    public static List<Path> write(Bars b, Path dir) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(540).title(b.title())
            .xAxisTitle(b.xTitle()).yAxisTitle(b.yTitle()).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        boolean any = false;
        for (int k = 0; k < b.seriesNames().size(); k++) {
            List<Double> v = new ArrayList<>(), e = new ArrayList<>();
            for (int i = 0; i < b.categories().size(); i++) {
                double vi = b.values().get(k)[i], ei = b.errors() == null ? 0 : b.errors().get(k)[i];
                any |= Double.isFinite(vi);
                v.add(Double.isFinite(vi) ? vi : 0.0);
                e.add(Double.isFinite(ei) ? ei : 0.0);
            }
            chart.addSeries(b.seriesNames().get(k), b.categories(), v, e);
        }
        if (!any || b.categories().isEmpty()) return List.of();
        return save(chart, dir, b.name());
    }

    /** PNG and SVG, each written to a temporary file first and then moved into place. */
    static List<Path> save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        Path png = dir.resolve(name + ".png"), svg = dir.resolve(name + ".svg");
        Path tmpPng = dir.resolve("." + name + ".tmp.png"), tmpSvg = dir.resolve("." + name + ".tmp.svg");
        BitmapEncoder.saveBitmap(chart, tmpPng.toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, tmpSvg.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        flatlm.util.Io.replace(tmpPng, png);
        flatlm.util.Io.replace(tmpSvg, svg);
        return List.of(png, svg);
    }
}
