package flatlm.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs jobs with dependencies on up to {@code workers} threads, in declaration order among
 * those ready (declare the critical path first). A failed job's dependents are skipped; the
 * others still run.
 */
public final class Jobs {
    public interface Body {
        void run() throws Exception;
    }

    public record Job(JobId id, List<JobId> after, Body body) {}

    /** What happened to each job: null = done, otherwise the failure or skip reason. */
    record Outcome(Map<JobId, String> failures, List<JobId> done) {}

    private final List<Job> jobs = new ArrayList<>();

    public Jobs add(JobId id, List<JobId> after, Body body) {
        for (Job j : jobs) if (j.id().equals(id)) throw new IllegalArgumentException("duplicate job " + id);
        jobs.add(new Job(id, List.copyOf(after), body));
        return this;
    }

    public List<Job> list() {
        return List.copyOf(jobs);
    }

    Outcome run(int workers) throws InterruptedException {
        Map<JobId, String> failures = new LinkedHashMap<>();
        List<JobId> done = new ArrayList<>();
        List<Job> pending = new ArrayList<>(jobs);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, "flatlm-job");
            t.setDaemon(true);
            return t;
        });
        ExecutorCompletionService<Job> ecs = new ExecutorCompletionService<>(pool);
        Map<Future<Job>, Job> running = new LinkedHashMap<>();
        try {
            while (!pending.isEmpty() || !running.isEmpty()) {
                for (Job j : new ArrayList<>(pending)) {
                    JobId blocked = j.after().stream().filter(failures::containsKey).findFirst().orElse(null);
                    if (blocked != null) {
                        pending.remove(j);
                        failures.put(j.id(), "skipped: " + blocked + " failed");
                        continue;
                    }
                    if (running.size() >= Math.max(1, workers)) break;
                    if (done.containsAll(j.after())) {
                        pending.remove(j);
                        running.put(ecs.submit(() -> {
                            j.body().run();
                            return j;
                        }), j);
                    }
                }
                if (running.isEmpty()) {
                    if (!pending.isEmpty()) throw new IllegalStateException("jobs wait on unknown jobs: " + pending);
                    break;
                }
                Future<Job> f = ecs.take();
                Job j = running.remove(f);
                try {
                    f.get();
                    done.add(j.id());
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    failures.put(j.id(), c instanceof java.io.IOException io ? flatlm.util.Io.describe(io)
                        : c.getMessage() == null ? c.toString() : c.getMessage());
                    boolean expected = c instanceof flatlm.util.BadInputException || c instanceof RunFailed;
                    if (!expected && System.getenv("FLATLM_DEBUG") != null) c.printStackTrace();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(failures, done);
    }

    /** A job's expected failure (e.g. training diverged), reported in one line. */
    public static final class RunFailed extends RuntimeException {
        public RunFailed(String message) {
            super(message);
        }
    }
}
