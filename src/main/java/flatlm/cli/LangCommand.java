package flatlm.cli;

import picocli.CommandLine.Command;

/** {@code flatlm lang ...}: languages with exact MLM conditionals. */
@Command(name = "lang", mixinStandardHelpOptions = true,
    description = "Languages with exact masked-LM conditionals: statistics, conditionals, corpus files.",
    subcommands = {LangStatsCommand.class, LangConditionalsCommand.class, LangGenerateCommand.class,
        LangHeadroomCommand.class})
public final class LangCommand {
}
