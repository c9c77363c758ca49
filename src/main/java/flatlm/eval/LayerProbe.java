package flatlm.eval;

import flatlm.lang.DownstreamTask;
import flatlm.lang.Language;
import flatlm.model.MlmModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The linear probe at every layer state of a frozen model ({@code flatlm probe --layer all},
 * {@code measure.probeLayers} of a reproduction): the protocol of {@link Probe} on the same
 * splits for every layer, one read ({@link Representation.Read}) for all of them.
 */
public final class LayerProbe {
    /** One layer's result: its index, name ({@link MlmModel#layerName}) and feature dimension. */
    public record Layer(int layer, String name, int dimension, DownstreamResult result) {}

    private LayerProbe() {}

    /** The probe at layers 0..numLayerStates−1 ({@code tick}, nullable: after each seed of each layer). */
    public static List<Layer> run(MlmModel model, Language language, DownstreamTask task, Representation.Read read,
                                  List<DownstreamSplit> splits, Probe.Setup setup, LinearProbe.Options options, Runnable tick) {
        List<Layer> out = new ArrayList<>();
        for (int k = 0; k < model.numLayerStates(); k++) {
            ModelFeatures f = features(model, language, task, new Representation(k, read));
            out.add(new Layer(k, model.layerName(k), f.dimension(), Probe.run("probe", f, language, task, splits, setup, options, tick)));
        }
        return out;
    }

    /** The features of {@code rep} on {@code task} (its position for the masked read), validated. */
    public static ModelFeatures features(MlmModel model, Language language, DownstreamTask task, Representation rep) {
        return new ModelFeatures(model, language.maxLength(), rep, rep.positionOf(task));
    }

    /** One JSON object per layer: layer, name, dimension and the full result. */
    public static List<Map<String, Object>> toJson(List<Layer> layers) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", l.layer());
            m.put("name", l.name());
            m.put("dimension", l.dimension());
            m.put("result", l.result().toJson());
            out.add(m);
        }
        return out;
    }

    /** A text table: layer, state, dims, test accuracy mean ± std, probe test cross-entropy mean ± std, train accuracy. */
    public static String table(List<Layer> layers) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%5s  %-16s %6s  %-17s %-17s %9s%n", "layer", "state", "dims",
            "accuracy", "probe CE (nats)", "train acc"));
        for (Layer l : layers) {
            DownstreamResult r = l.result();
            s.append(String.format(Locale.ROOT, "%5d  %-16s %6d  %-17s %-17s %9.4f%n", l.layer(), l.name(), l.dimension(), r.accuracy(),
                r.crossEntropy(), r.trainAccuracy().mean()));
        }
        return s.toString();
    }
}
