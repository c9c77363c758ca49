package flatlm.dyck;

import flatlm.dyck.DyckExperiment.Result;
import flatlm.dyck.DyckExperiment.Solution;
import flatlm.util.Configs;
import flatlm.util.Io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The experiment's data files: every number of a run, for plots and for other tools. */
public final class DyckData {
    private DyckData() {}

    /** dyck.json, dyck-solutions.csv, dyck-downstream.csv, dyck-sgd.csv. */
    public static Map<String, Path> write(Result r, Path dir) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Path json = dir.resolve("dyck.json");
        Io.writeAtomically(json, Configs.toJson(toMap(r)) + "\n");
        out.put("dyck.json", json);

        StringBuilder sol = new StringBuilder("id,family,width,params,mlm_loss,max_abs_residual,trace,trace_gauss_newton,"
            + "trace_W_Q,trace_W_K,trace_W_V,trace_w,trace_a,theory_trace,dense_trace,min_abs_preactivation\n");
        for (Solution s : r.solutions()) {
            sol.append(String.join(",", s.id(), s.family(), Integer.toString(s.width()), Integer.toString(s.numParams()),
                num(s.loss()), num(s.maxResidual()), num(s.trace()), num(s.traceGaussNewton())));
            for (double b : s.traceBlocks()) sol.append(',').append(num(b));
            sol.append(',').append(num(s.theoryTrace())).append(',').append(num(s.denseTrace()))
                .append(',').append(num(s.minAbsPreactivation())).append('\n');
        }
        Path solCsv = dir.resolve("dyck-solutions.csv");
        Io.writeAtomically(solCsv, sol.toString());
        out.put("dyck-solutions.csv", solCsv);

        StringBuilder down = new StringBuilder("id,samples,mean_mse,stderr,seeds\n");
        int[] ns = r.options().samples();
        for (int i = 0; i < ns.length; i++) {
            down.append("theory-flattest,").append(ns[i]).append(',').append(num(r.theoryDownstream()[i])).append(",0,0\n");
        }
        for (Solution s : r.solutions()) {
            for (DownstreamProbe.Stat st : s.downstream()) {
                down.append(s.id()).append(',').append(st.samples()).append(',').append(num(st.mean())).append(',')
                    .append(num(st.stderr())).append(',').append(st.perSeed().length).append('\n');
            }
        }
        Path downCsv = dir.resolve("dyck-downstream.csv");
        Io.writeAtomically(downCsv, down.toString());
        out.put("dyck-downstream.csv", downCsv);

        if (!r.sgd().isEmpty()) {
            StringBuilder sgd = new StringBuilder("run,step,mlm_loss,trace,trace_gauss_newton,trace_W_Q,trace_W_K,trace_W_V,trace_w,trace_a,"
                + "min_abs_preactivation,attention_entropy_gap");
            for (int p : r.options().sgdProbeSamples()) sgd.append(",downstream_mse_N").append(p);
            sgd.append('\n');
            for (SgdTrajectory.Run run : r.sgd()) {
                for (SgdTrajectory.Point p : run.points()) {
                    sgd.append(run.label()).append(',').append(p.step()).append(',').append(num(p.loss())).append(',')
                        .append(num(p.trace())).append(',').append(num(p.traceGaussNewton()));
                    for (double b : p.traceBlocks()) sgd.append(',').append(num(b));
                    sgd.append(',').append(num(p.minAbsPreactivation())).append(',').append(num(p.meanAttentionEntropyGap()));
                    for (double d : p.downstream()) sgd.append(',').append(num(d));
                    sgd.append('\n');
                }
            }
            Path sgdCsv = dir.resolve("dyck-sgd.csv");
            Io.writeAtomically(sgdCsv, sgd.toString());
            out.put("dyck-sgd.csv", sgdCsv);
        }
        return out;
    }

    static Map<String, Object> toMap(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", "dyck");
        m.put("options", r.options().toMap());
        m.put("mlmInputs", r.mlmInputs());
        m.put("downstreamStrings", r.downstreamStrings());
        m.put("lossConvention", "L = 1/2 E (f - y)^2; Tr over W_Q, W_K, W_V, w, a");
        m.put("traceLowerBound", r.traceBound());
        m.put("probPositiveCount", r.probPositive());
        Map<String, Object> th = new LinkedHashMap<>();
        for (int i = 0; i < r.options().samples().length; i++) th.put(Integer.toString(r.options().samples()[i]), r.theoryDownstream()[i]);
        m.put("theoryDownstreamFlattest", th);
        List<Object> sols = new ArrayList<>();
        for (Solution s : r.solutions()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", s.id());
            o.put("label", s.label());
            o.put("family", s.family());
            o.put("width", s.width());
            o.put("params", s.numParams());
            o.put("mlmLoss", fin(s.loss()));
            o.put("maxAbsResidual", fin(s.maxResidual()));
            o.put("trace", fin(s.trace()));
            o.put("traceGaussNewton", fin(s.traceGaussNewton()));
            Map<String, Object> blocks = new LinkedHashMap<>();
            for (int b = 0; b < OneLayerModel.BLOCKS.length; b++) blocks.put(OneLayerModel.BLOCKS[b], fin(s.traceBlocks()[b]));
            o.put("traceBlocks", blocks);
            o.put("theoryTrace", fin(s.theoryTrace()));
            o.put("theoryNote", s.theoryNote());
            o.put("denseTrace", fin(s.denseTrace()));
            o.put("minAbsPreactivation", fin(s.minAbsPreactivation()));
            List<Object> curve = new ArrayList<>();
            for (DownstreamProbe.Stat st : s.downstream()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("samples", st.samples());
                c.put("mean", fin(st.mean()));
                c.put("stderr", fin(st.stderr()));
                curve.add(c);
            }
            o.put("downstream", curve);
            sols.add(o);
        }
        m.put("solutions", sols);
        List<Object> runs = new ArrayList<>();
        for (SgdTrajectory.Run run : r.sgd()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("run", run.label());
            o.put("labelNoise", run.options().labelNoise());
            o.put("noiseFreeTail", run.options().noiseFreeTail());
            List<Object> pts = new ArrayList<>();
            for (SgdTrajectory.Point p : run.points()) {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("step", p.step());
                q.put("mlmLoss", fin(p.loss()));
                q.put("trace", fin(p.trace()));
                q.put("downstream", p.downstream());
                pts.add(q);
            }
            o.put("points", pts);
            runs.add(o);
        }
        m.put("sgd", runs);
        m.put("seconds", r.seconds());
        return m;
    }

    static String num(double x) {
        return Double.isFinite(x) ? Double.toString(x) : "";
    }

    static Double fin(double x) {
        return Double.isFinite(x) ? x : null;
    }
}
