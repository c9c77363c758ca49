package flatlm.dyck;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The experiment's plots, each as PNG and SVG (XChart, headless). */
public final class DyckPlots {
    /** Errors below this are drawn at it (log axes; the transferable head is often exact). */
    public static final double FLOOR = 1e-6;

    private DyckPlots() {}

    public static Map<String, Path> write(DyckExperiment.Result r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, Path> out = new LinkedHashMap<>();
        out.putAll(save(traceChart(r), dir, "dyck-trace"));
        out.putAll(save(downstreamChart(r), dir, "dyck-downstream"));
        if (!r.sgd().isEmpty()) {
            out.putAll(save(sgdTraceChart(r), dir, "dyck-sgd-trace"));
            out.putAll(save(sgdLossChart(r), dir, "dyck-sgd-loss"));
        }
        return out;
    }

    static Map<String, Path> save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Path png = dir.resolve(name + ".png"), svg = dir.resolve(name + ".svg");
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, svg.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        out.put(name + ".png", png);
        out.put(name + ".svg", svg);
        return out;
    }

    static CategoryChart traceChart(DyckExperiment.Result r) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520)
            .title("Tr(H) of the MLM loss per solution (n = " + r.options().n() + ")")
            .xAxisTitle("solution").yAxisTitle("Tr ∇²L (log scale)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisLabelRotation(35);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setOverlapped(true);
        List<String> names = new ArrayList<>();
        List<Number> values = new ArrayList<>(), bound = new ArrayList<>();
        for (DyckExperiment.Solution s : r.solutions()) {
            names.add(s.id());
            values.add(Math.max(s.trace(), FLOOR));
            bound.add(r.traceBound());
        }
        double min = r.traceBound();
        for (Number v : values) min = Math.min(min, v.doubleValue());
        chart.getStyler().setYAxisMin(min / 2);
        chart.addSeries("Tr(H)", names, values);
        CategorySeries b = chart.addSeries("lower bound 3n^(-1/3) over all zero-loss solutions", names, bound);
        b.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        b.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    static XYChart downstreamChart(DyckExperiment.Result r) {
        int[] ns = r.options().samples();
        XYChart chart = new XYChartBuilder().width(900).height(560)
            .title("Downstream error of a min-norm head vs number of samples N (n = " + r.options().n() + ")")
            .xAxisTitle("N labelled downstream samples").yAxisTitle("population MSE (log; < 1e-6 drawn at 1e-6)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        double[] x = new double[ns.length];
        for (int i = 0; i < ns.length; i++) x[i] = ns[i];
        double[] zero = new double[ns.length];
        java.util.Arrays.fill(zero, r.options().n());
        XYSeries base = chart.addSeries("predict 0 (error n)", x, zero);
        base.setMarker(SeriesMarkers.NONE);
        base.setLineStyle(SeriesLines.DOT_DOT);
        XYSeries th = chart.addSeries("theory, flattest solution: n(1-p)^N", x, floor(r.theoryDownstream()));
        th.setMarker(SeriesMarkers.NONE);
        th.setLineStyle(SeriesLines.DASH_DASH);
        for (DyckExperiment.Solution s : r.solutions()) {
            if (s.id().equals(DyckExperiment.TRANSFERABLE_PAPER_BALANCED) || s.id().endsWith("-balanced")
                || s.id().equals(DyckExperiment.TRANSFERABLE_PAPER)) continue;
            double[] y = new double[ns.length];
            for (int i = 0; i < ns.length; i++) y[i] = s.downstream()[i].mean();
            chart.addSeries(s.id(), x, floor(y));
        }
        return chart;
    }

    static XYChart sgdTraceChart(DyckExperiment.Result r) {
        XYChart chart = new XYChartBuilder().width(900).height(520)
            .title("SGD from random initialisation: Tr(H) along the trajectory (n = " + r.options().n() + ")")
            .xAxisTitle("step").yAxisTitle("Tr ∇²L (log scale)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        double lastStep = 0;
        for (SgdTrajectory.Run run : r.sgd()) {
            double[] x = new double[run.points().size()], y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = run.points().get(i).step();
                y[i] = Math.max(run.points().get(i).trace(), FLOOR);
            }
            lastStep = Math.max(lastStep, x[x.length - 1]);
            chart.addSeries(run.label(), x, y).setMarker(SeriesMarkers.NONE);
        }
        XYSeries b = chart.addSeries("lower bound 3n^(-1/3)", new double[]{0, lastStep}, new double[]{r.traceBound(), r.traceBound()});
        b.setMarker(SeriesMarkers.NONE);
        b.setLineStyle(SeriesLines.DASH_DASH);
        return chart;
    }

    static XYChart sgdLossChart(DyckExperiment.Result r) {
        int[] probe = r.options().sgdProbeSamples();
        XYChart chart = new XYChartBuilder().width(900).height(520)
            .title("SGD: exact MLM loss and downstream error along the trajectory")
            .xAxisTitle("step").yAxisTitle("log scale").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        java.awt.Color[] colors = {new java.awt.Color(0x1f77b4), new java.awt.Color(0xd62728), new java.awt.Color(0x2ca02c)};
        java.awt.BasicStroke[] strokes = {SeriesLines.DASH_DASH, SeriesLines.DOT_DOT, SeriesLines.DASH_DOT};
        int ri = 0;
        for (SgdTrajectory.Run run : r.sgd()) {
            java.awt.Color color = colors[ri++ % colors.length];
            int k = run.points().size();
            double[] x = new double[k], loss = new double[k];
            double[][] down = new double[probe.length][k];
            for (int i = 0; i < k; i++) {
                SgdTrajectory.Point p = run.points().get(i);
                x[i] = p.step();
                loss[i] = Math.max(p.loss(), 1e-12);
                for (int j = 0; j < probe.length; j++) down[j][i] = Math.max(p.downstream()[j], FLOOR);
            }
            XYSeries ls = chart.addSeries(run.label() + ": MLM loss", x, loss);
            ls.setMarker(SeriesMarkers.NONE);
            ls.setLineColor(color);
            for (int j = 0; j < probe.length; j++) {
                XYSeries s = chart.addSeries(run.label() + ": downstream MSE, N = " + probe[j], x, down[j]);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineStyle(strokes[j % strokes.length]);
                s.setLineColor(color);
            }
        }
        return chart;
    }

    static double[] floor(double[] y) {
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) out[i] = Math.max(y[i], FLOOR);
        return out;
    }
}
