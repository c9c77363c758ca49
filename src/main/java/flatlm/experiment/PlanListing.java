package flatlm.experiment;

import flatlm.exec.Jobs;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code reproduce --plan}: the plan's runs (with their state on disk) and jobs, nothing run. */
final class PlanListing {
    private PlanListing() {}

    static String of(Reproduction r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("plan '%s': %s%n", r.plan().name, r.plan().description));
        b.append(String.format("language: %s; saturation: KL < %s nats%n", r.plan().language.describe(), r.plan().saturationKl));
        b.append(String.format("pre-training seeds: %s; probe training sizes: %s (main %d)%n", r.plan().seeds,
            java.util.Arrays.toString(r.plan().probeSizes()), r.plan().measure.probeTrain));
        b.append(String.format("runs (%d):%n", r.runs().size()));
        for (RunSpec s : r.runs()) {
            Path dir = r.trainingDir(s);
            String state = (r.sameAs(s.id()) != null ? "trained as " + r.sameAs(s.id()).id() + ": " : "")
                + (Files.isRegularFile(dir.resolve(Reproduction.DONE)) ? "finished, reused" : Files.isDirectory(dir) ? "started, resumes" : "to run");
            var c = s.config();
            b.append(String.format("  %-28s %s  %s d=%s L=%s, %d steps x batch %d, %s/%s lr %s%s  [%s]%n", s.id(), s.hash(),
                c.model.preset, c.model.d == null ? "preset" : c.model.d, c.model.layers == null ? "preset" : c.model.layers,
                c.steps, c.batchSize, c.algorithm + (c.labelsPerContext == null ? "" : " k=" + c.labelsPerContext), c.optimizer.name, c.optimizer.lr,
                s.parent() == null ? "" : ", continues " + s.parent().id(), state));
        }
        b.append(String.format("jobs (%d):%n", r.jobs().list().size()));
        for (Jobs.Job j : r.jobs().list())
            b.append(String.format("  %-36s%s%n", j.id(), j.after().isEmpty() ? "" : " after " + String.join(", ", j.after().stream().map(Object::toString).toList())));
        return b.toString();
    }
}
