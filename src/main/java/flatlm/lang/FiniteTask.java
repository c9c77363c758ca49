package flatlm.lang;

import java.util.List;

/**
 * A task given by a fixed set of labelled examples (a user's file) rather than a generative
 * process: splits draw from it without replacement, so no test example is also a training one.
 */
public interface FiniteTask {
    List<DownstreamTask.Example> examples();
}
