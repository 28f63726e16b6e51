package io.tally.server.cli;

import io.tally.client.Membership;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code ./tally remove-member ID} (docs/operations.md). */
@Command(name = "remove-member", mixinStandardHelpOptions = true, description = {"Remove a member (the leader too: it hands "
        + "over and steps down).", "Exit 1 if the cluster refuses; 3 if the outcome is unknown (check with ./tally members)."})
final class RemoveMemberCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", paramLabel = "ID", description = "the member's id")
    String id;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    RemoveMemberCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        Duration timeout = client.timeout(Duration.ofSeconds(60));
        try (TallyClient c = client.connect(timeout)) {
            Membership m = c.removeMember(id, timeout);
            if (!output.is(Output.Format.json)) {
                console.out().println("OK " + id + " removed");
            }
            MembersCommand.print(console, output, m);
            return ExitCode.OK;
        }
    }
}
