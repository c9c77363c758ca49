package flatlm.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flatlm.lang.Languages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invalidation table of a reproduction: changing X changes exactly the keys of what is
 * computed from X (so it is recomputed), and a setting that changes no number changes no key.
 */
class ProvenanceTest {
    private static ExperimentPlan tiny() throws Exception {
        return Reproduction.load("tiny");
    }

    /** The keys that differ between the tiny plan and the tiny plan after {@code change}. */
    private static Set<String> changedBy(Path out, Consumer<ExperimentPlan> change) throws Exception {
        Map<String, String> before = new Reproduction(tiny(), out, true).keys();
        ExperimentPlan p = tiny();
        change.accept(p);
        Map<String, String> after = new Reproduction(p.validate("test"), out, true).keys();
        assertEquals(before.keySet(), after.keySet());
        Set<String> changed = new TreeSet<>();
        for (String k : before.keySet()) if (!before.get(k).equals(after.get(k))) changed.add(k);
        return changed;
    }

    private static Set<String> runs(Path out, String... prefixes) throws Exception {
        Set<String> s = new TreeSet<>();
        for (String k : new Reproduction(tiny(), out, true).keys().keySet())
            for (String p : prefixes) if (k.startsWith("run " + p)) s.add(k);
        return s;
    }

    @Test
    void changingASettingInvalidatesExactlyWhatIsComputedFromIt(@TempDir Path out) throws Exception {
        Set<String> allRuns = runs(out, "");
        Set<String> runsAndMeasures = new TreeSet<>(allRuns);
        runsAndMeasures.add("measure");
        runsAndMeasures.add("lookup");

        // a shared training key: every run; measurements keyed by run directory, so nothing else
        assertEquals(allRuns, changedBy(out, p -> p.train.put("batchSize", 33)));
        // threads change libtorch's reductions, so the weights: every run
        assertEquals(allRuns, changedBy(out, p -> p.train.put("threads", 2)));
        // the SGD continuation's learning rate: that run only
        assertEquals(runs(out, "convergence/sgd/"), changedBy(out, p -> ((ObjectNode) p.convergence.sgd.get("optimizer")).put("lr", 0.07)));
        // the AdamW run: it and every continuation of it
        assertEquals(runs(out, "convergence/", "algorithms/", "noise/"), changedBy(out, p -> p.convergence.adamw.put("steps", 41)));
        // the noise section: its runs only (all of them, or one optimizer's)
        assertEquals(runs(out, "noise/"), changedBy(out, p -> p.noise.train.put("steps", 21)));
        assertEquals(runs(out, "noise/sgd-"), changedBy(out, p -> p.noise.optimizers.get("sgd").put("lr", 0.06)));
        // the language: everything trained or measured on it
        assertEquals(runsAndMeasures, changedBy(out, p -> p.language.seed = 2));
        // how models are measured: the measurements, not the runs
        assertEquals(Set.of("measure"), changedBy(out, p -> p.measure.probeTrain = 201));
        assertEquals(Set.of("measure"), changedBy(out, p -> p.measure.flatnessMaxSamples = 300));
        // derived rows
        assertEquals(Set.of("embedded"), changedBy(out, p -> p.size.embedInto = new LinkedHashMap<>(Map.of("d", 64, "heads", 2,
            "layers", 1, "dInter", 64))));
        assertEquals(Set.of("recovered"), changedBy(out, p -> p.pruning.recoverySteps = 6));
        assertEquals(Set.of("dyck"), changedBy(out, p -> p.dyck.n = 6));
        // what changes no number changes no key: the report recomputes saturation; names and text
        assertEquals(Set.of(), changedBy(out, p -> p.saturationKl = 0.02));
        assertEquals(Set.of(), changedBy(out, p -> p.description = "another description"));
    }

    @Test
    void thePlanAsWrittenToPlanYamlHasTheSameKeysAndRunOrder(@TempDir Path out) throws Exception {
        Path yaml = out.resolve("plan.yaml");
        Files.writeString(yaml, flatlm.util.Configs.toYaml(tiny()));
        Reproduction a = new Reproduction(tiny(), out, true), b = new Reproduction(Reproduction.load(yaml.toString()), out, true);
        assertEquals(List.copyOf(a.keys().entrySet()), List.copyOf(b.keys().entrySet()), "flatlm report re-plans from plan.yaml");
    }

    @Test
    void theFormatVersionIsInEveryKey() {
        Provenance p = Provenance.of(Map.of("a", 1), null);
        Provenance next = new Provenance(p.format() + 1, p.settings(), p.inputs());
        assertNotEquals(p.key(), next.key());
        assertEquals(Provenance.FORMAT, p.record().get("format"));
        assertTrue(p.record().containsKey("code"));
    }

    @Test
    void inputFilesEnterByContentNotByPath(@TempDir Path tmp) throws Exception {
        // a language directory: same path, edited content → every key computed on it changes
        Path lang = tmp.resolve("lang");
        tiny().language.build().writeDefinition(lang);
        ExperimentPlan a = tiny();
        a.language = new flatlm.lang.LanguageSpec();
        a.language.dir = lang.toString();
        Map<String, String> before = new Reproduction(a.validate("test"), tmp.resolve("out"), true).keys();
        Languages.load(lang); // still loads
        Path file;
        try (var s = Files.list(lang)) {
            file = s.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        Files.writeString(file, Files.readString(file) + "\n");
        Map<String, String> after = new Reproduction(a.validate("test"), tmp.resolve("out"), true).keys();
        for (String k : before.keySet())
            if (k.startsWith("run ") || k.equals("measure") || k.equals("lookup"))
                assertNotEquals(before.get(k), after.get(k), k + " reused after its language file changed");

        // a grammar rule file and a corpus: the run's key follows the file's content
        Path rules = tmp.resolve("g.txt");
        Files.writeString(rules, "S -> a 1.0\n");
        String k1 = Provenance.inputsOf(grammar(rules)).get("language.grammar");
        Files.writeString(rules, "S -> b 1.0\n");
        assertNotEquals(k1, Provenance.inputsOf(grammar(rules)).get("language.grammar"));

        Path gen = Files.createDirectories(tmp.resolve("gen"));
        Files.writeString(gen.resolve("config.json"), "{}");
        flatlm.lang.LanguageSpec lm = new flatlm.lang.LanguageSpec();
        lm.kind = "causal-lm";
        lm.generator = gen.toString();
        String g1 = Provenance.inputsOf(lm).get("language.generator");
        Files.writeString(gen.resolve("model.safetensors"), "weights");
        assertNotEquals(g1, Provenance.inputsOf(lm).get("language.generator"), "a causal-lm generator's files");

        Path corpus = Files.createDirectories(tmp.resolve("corpus"));
        Files.writeString(corpus.resolve("manifest.json"), "{}");
        flatlm.train.TrainConfig c = new flatlm.train.TrainConfig();
        c.data.corpus = corpus.toString();
        String h1 = Provenance.ofRun(c).key();
        Files.writeString(corpus.resolve("shard-0.npy"), "x");
        assertNotEquals(h1, Provenance.ofRun(c).key(), "a corpus file added under the same path");
    }

    private static flatlm.lang.LanguageSpec grammar(Path rules) {
        flatlm.lang.LanguageSpec l = new flatlm.lang.LanguageSpec();
        l.kind = "pcfg";
        l.grammar = rules.toString();
        return l;
    }
}
