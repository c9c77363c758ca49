package flatlm.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (stdout stays clean for results). */
final class ProgressBars {
    private ProgressBars() {}

    static ProgressBar create(String task, long max, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
            .setUnit(unit, 1).continuousUpdate().setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }
}
