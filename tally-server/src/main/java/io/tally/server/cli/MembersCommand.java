package io.tally.server.cli;

import io.tally.client.ClusterMember;
import io.tally.client.Membership;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./tally members}: the membership in force on the leader (docs/operations.md). */
@Command(name = "members", mixinStandardHelpOptions = true, description = {"List the members and the configuration index.",
        "simple and table: ID RAFT HTTP ROLE, then the configuration index; json: the /v1/cluster/members document."})
final class MembersCommand implements Callable<Integer> {

    private final Console console;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    MembersCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            print(console, output, c.members());
            return ExitCode.OK;
        }
    }

    /** A membership as {@code -o} asks; what the cluster commands print after a change too. */
    static void print(Console console, Output output, Membership m) {
        if (output.is(Output.Format.json)) {
            Output.json(console, Documents.membership(m));
            return;
        }
        printTable(console, m.members(), m.leader().orElse(""));
        console.out().println("configuration index " + m.index() + (m.joint() ? " (joint)" : ""));
        console.out().flush();
    }

    static void printTable(Console console, List<ClusterMember> members, String leader) {
        List<List<String>> rows = new ArrayList<>();
        for (ClusterMember member : members) {
            String role = member.id().equals(leader) ? "leader" : member.voter() ? "voter" : "non-voter";
            rows.add(List.of(member.id(), member.raft(), member.http().orElse("-"), role));
        }
        Output.table(console, List.of("ID", "RAFT", "HTTP", "ROLE"), rows);
    }
}
