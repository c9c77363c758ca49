package flatlm.cli;

import picocli.CommandLine.Command;

/** {@code flatlm lm ...}: causal-LM generators for the causal-lm language. */
@Command(name = "lm", mixinStandardHelpOptions = true,
    description = "Causal-LM generators (Hugging Face OPT directories) for the causal-lm language.",
    subcommands = {LmRandomCommand.class})
public final class LmCommand {
}
