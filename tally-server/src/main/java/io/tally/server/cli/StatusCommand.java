package io.tally.server.cli;

import io.tally.client.ClusterMember;
import io.tally.client.NodeStatus;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./tally status}: the answering node's view of itself. */
@Command(name = "status", mixinStandardHelpOptions = true, description = {"Print the answering node's status.",
        "simple: NAME: VALUE lines and the members; json: the /v1/status document; table: the members with this node's "
                + "state."})
final class StatusCommand implements Callable<Integer> {

    private final Console console;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    StatusCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            NodeStatus s = c.status();
            switch (output.format) {
                case json -> Output.json(console, Documents.status(s));
                case table -> MembersCommand.printTable(console, s.members(), s.leader().orElse(""));
                default -> {
                    console.out().println("id: " + s.id());
                    console.out().println("state: " + s.state());
                    console.out().println("term: " + s.term());
                    console.out().println("leader: " + s.leader().orElse("(none)"));
                    console.out().println("commit index: " + s.commitIndex());
                    console.out().println("applied index: " + s.appliedIndex());
                    console.out().println("last log index: " + s.lastLogIndex());
                    console.out().println("configuration index: " + s.configurationIndex());
                    console.out().println("removed: " + s.removed());
                    List<String> members = new ArrayList<>();
                    for (ClusterMember m : s.members()) {
                        members.add(m.id() + (m.voter() ? "" : " (non-voter)"));
                    }
                    console.out().println("members: " + String.join(", ", members));
                }
            }
            return ExitCode.OK;
        }
    }
}
