package io.tally.server.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code ./tally completion bash|zsh}: a completion script for the whole command tree, from picocli's generator. The
 * script serves both shells: under zsh it turns on zsh's support for bash completion functions itself
 * ({@code bashcompinit}).
 */
@Command(name = "completion", mixinStandardHelpOptions = true, description = {"Print a shell completion script for "
        + "./tally: its commands, subcommands and flags.",
        "bash: source <(./tally completion bash)   or add that line to ~/.bashrc",
        "zsh:  source <(./tally completion zsh)    or add that line to ~/.zshrc"})
final class CompletionCommand implements Callable<Integer> {

    enum Shell { bash, zsh }

    private final Console console;

    @Parameters(index = "0", paramLabel = "bash|zsh", description = "the shell")
    Shell shell;

    @Spec
    CommandSpec spec;

    CompletionCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        String script = AutoComplete.bash("tally", spec.root().commandLine());
        if (shell == Shell.zsh) {
            // The generated script's first line names bash; under zsh it is sourced, and it enables bashcompinit.
            script = "# tally completion for zsh: source <(./tally completion zsh)\n" + script;
        }
        console.out().print(script);
        console.out().flush();
        return ExitCode.OK;
    }
}
