package io.tally.server.cli;

import io.tally.client.Membership;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code ./tally add-member ID RAFT_ADDR HTTP_ADDR [--non-voter]} (docs/operations.md). */
@Command(name = "add-member", mixinStandardHelpOptions = true, description = {"Add a voter (caught up first, then promoted) "
        + "or a non-voter; or change a member's role or addresses.",
        "Exit 1 if the cluster refuses (another change in progress, the new voter did not catch up); 3 if the outcome is "
                + "unknown (check with ./tally members). --timeout defaults to 10m: catching up a large state takes minutes."})
final class AddMemberCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", paramLabel = "ID", description = "the member's id")
    String id;

    @Parameters(index = "1", paramLabel = "RAFT_HOST:PORT", description = "its Raft address")
    String raft;

    @Parameters(index = "2", paramLabel = "HTTP_HOST:PORT", description = "its HTTP address")
    String http;

    @Option(names = "--non-voter", description = "add it as a non-voter (receives the log, never votes)")
    boolean nonVoter;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    AddMemberCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        Duration timeout = client.timeout(Duration.ofMinutes(10));
        try (TallyClient c = client.connect(timeout)) {
            Membership m = c.addMember(id, raft, http, !nonVoter, timeout);
            if (!output.is(Output.Format.json)) {
                console.out().println("OK " + id + " is a " + (nonVoter ? "non-voter" : "voter"));
            }
            MembersCommand.print(console, output, m);
            return ExitCode.OK;
        }
    }

}
