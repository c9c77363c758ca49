package flatlm.exec;

import java.io.IOException;
import java.util.List;

/** {@link Executor#local}: every job on {@link Jobs}' thread pool, each leaving its marker. */
final class LocalExecutor implements Executor {
    private final int workers;

    LocalExecutor(int workers) {
        this.workers = workers;
    }

    @Override
    public Result run(Workload w) throws IOException, InterruptedException {
        JobMarkers markers = new JobMarkers(w.out());
        Jobs wrapped = new Jobs();
        for (Jobs.Job j : w.jobs().list()) wrapped.add(j.id(), j.after(), () -> markers.run(j, w.key(j.id()), null));
        // done before: still run (every job reuses what it finds), but reported as found done
        List<JobId> before = w.jobs().list().stream().map(Jobs.Job::id)
            .filter(id -> markers.done(id, w.key(id)) && w.resultsPresent(id)).toList();
        Jobs.Outcome o = wrapped.run(workers);
        List<JobId> ran = o.done().stream().filter(id -> !before.contains(id)).toList();
        return new Result(o.failures(), ran, o.done().stream().filter(before::contains).toList());
    }
}
