package io.tally.server;

import io.tally.client.Membership;
import io.tally.client.TallyClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A voter whose data directory was wiped must not come back under its old id: it would vote with no memory of its
 * votes or of the entries it acknowledged. Started empty with {@code --join}, the process refuses to start (exit 2,
 * before its Raft port opens) and says what to do; the cluster is untouched. Doing what it says — remove the member,
 * then join again — works.
 */
class ProcessRejoinTest {

    @Test
    void aWipedVoterIsRefusedUnderItsOldIdUntilItIsRemoved() throws Exception {
        try (ProcessCluster c = ProcessCluster.loopback("rejoin", 3)) {
            c.startAll();
            NodeProcess leader = c.awaitLeader(Duration.ofSeconds(30));
            for (int i = 0; i < 20; i++) {
                c.commit(Duration.ofSeconds(20));
            }
            NodeProcess wiped = c.nodes.stream().filter(p -> p != leader).findFirst().orElseThrow();
            List<NodeProcess> others = c.nodes.stream().filter(p -> p != wiped).toList();
            String endpoints = others.stream().map(NodeProcess::httpAddress).collect(Collectors.joining(","));
            c.awaitCaughtUp(Duration.ofSeconds(30));
            Membership before = members(endpoints);

            wiped.stop(); // for good: its state is gone
            ProcessCluster.deleteRecursively(wiped.dataDir);
            NodeProcess.Exit exit = wiped.startExpectingExit(null, List.of("--join", endpoints), Duration.ofSeconds(60));
            assertEquals(2, exit.code(), exit.output());
            assertTrue(exit.output().contains(wiped.id + " is a voter of the cluster")
                    && exit.output().contains("./tally remove-member " + wiped.id)
                    && exit.output().contains("join under a new id"), exit.output());
            assertTrue(!exit.output().contains("READY"), exit.output());

            // Unchanged: the same configuration, every acknowledged write on the remaining members, writes commit.
            Membership after = members(endpoints);
            assertEquals(before.index(), after.index(), after.toString());
            assertEquals(before.members(), after.members(), after.toString());
            c.commit(Duration.ofSeconds(20), others);
            c.awaitCaughtUp(Duration.ofSeconds(30));
            c.verify();

            // What the message says: remove the member first; then the empty node joins under its id as a new voter.
            try (TallyClient client = TallyClient.connect(TallyClient.parseEndpoints(endpoints), Duration.ofSeconds(60))) {
                client.removeMember(wiped.id, Duration.ofSeconds(60));
            }
            ProcessMembershipTest.awaitVoters(endpoints, others.stream().map(p -> p.id).collect(Collectors.toSet()));
            wiped.start(null, List.of("--join", endpoints));
            ProcessMembershipTest.awaitVoters(endpoints, Set.of("n1", "n2", "n3"));
            c.commit(Duration.ofSeconds(20));
            c.awaitCaughtUp(Duration.ofSeconds(60));
            c.verify();
        }
    }

    private static Membership members(String endpoints) {
        try (TallyClient client = TallyClient.connect(TallyClient.parseEndpoints(endpoints), Duration.ofSeconds(10))) {
            return client.members();
        }
    }
}
