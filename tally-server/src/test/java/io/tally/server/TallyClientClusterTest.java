package io.tally.server;

import io.tally.client.KeyValue;
import io.tally.client.LeaderInfo;
import io.tally.client.Membership;
import io.tally.client.NodeStatus;
import io.tally.client.TallyClient;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code TallyClient} against a live three-node cluster in this JVM: typed answers, and forks over shared connections. */
@Timeout(120)
class TallyClientClusterTest {

    private static InProcessCluster cluster;
    private static int leader;

    @BeforeAll
    static void start() throws Exception {
        cluster = new InProcessCluster(3);
        leader = cluster.awaitLeader();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static List<String> followerFirst() {
        int follower = (leader + 1) % 3;
        return List.of(cluster.http(follower), cluster.http(leader), cluster.http((leader + 2) % 3));
    }

    @Test
    void statusAndMembershipAreTyped() {
        try (TallyClient c = TallyClient.builder().endpoints(cluster.http(leader)).build()) {
            NodeStatus s = c.status();
            assertEquals("n" + (leader + 1), s.id());
            assertTrue(s.isLeader(), s.toString());
            assertEquals(Optional.of(s.id()), s.leader());
            assertTrue(s.commitIndex() >= 2 && s.appliedIndex() <= s.commitIndex() && s.lastLogIndex() >= s.commitIndex(), s.toString());
            assertFalse(s.removed());
            assertEquals(3, s.members().size());
            assertEquals(Optional.of(cluster.http(0)), s.members().stream().filter(m -> m.id().equals("n1")).findFirst()
                    .orElseThrow().http());

            Membership m = c.members();
            assertEquals(Set.of("n1", "n2", "n3"), m.voters());
            assertFalse(m.joint());
            assertTrue(m.outgoingVoters().isEmpty());
            assertEquals(s.configurationIndex(), m.index());
            assertTrue(m.isVoter("n2") && !m.isVoter("n9"));
        }
    }

    @Test
    void forksAppendConcurrentlyOverPipelinedConnectionsAndEachAppendAppliesOnce() {
        int forks = 12;
        int appends = 8;
        try (TallyClient root = TallyClient.builder().endpoints(followerFirst()).connectionsPerEndpoint(2)
                .maxPipelinedRequests(16).timeout(Duration.ofSeconds(20)).build()) {
            List<TallyClient> clients = new ArrayList<>();
            List<CompletableFuture<Long>> chains = new ArrayList<>();
            for (int f = 0; f < forks; f++) {
                TallyClient c = f == 0 ? root : root.fork();
                clients.add(c);
                String key = "fork-" + f;
                CompletableFuture<Long> chain = CompletableFuture.completedFuture(0L);
                for (int i = 0; i < appends; i++) {
                    chain = chain.thenCompose(previous -> c.appendAsync(key, "x".getBytes(StandardCharsets.UTF_8))
                            .thenApply(version -> {
                                assertTrue(version > previous, "versions rise: " + previous + " then " + version);
                                return version;
                            }));
                }
                chains.add(chain);
            }
            chains.forEach(CompletableFuture::join);
            for (int f = 0; f < forks; f++) {
                KeyValue kv = root.get("fork-" + f).orElseThrow();
                assertEquals("x".repeat(appends), kv.valueAsString(), "every append of fork " + f + " applied once");
            }
            assertEquals(forks, clients.stream().map(c -> c.sessionId().getAsLong()).distinct().count(), "a session each");
            for (int f = forks - 1; f > 0; f--) {
                clients.get(f).close();
            }
        }
    }

    @Test
    void aTransferAnswersWithTheNewLeader() {
        int target = (leader + 2) % 3;
        String id = "n" + (target + 1);
        try (TallyClient c = TallyClient.builder().endpoints(followerFirst()).build()) {
            LeaderInfo l = c.transferLeader(id, Duration.ofSeconds(30));
            assertEquals(id, l.id());
            assertEquals(Optional.of(cluster.http(target)), l.http());
            Poll.until("every node follows " + id, Duration.ofSeconds(20),
                    () -> cluster.nodes.stream().allMatch(n -> n.raft().leader().filter(id::equals).isPresent()));
            assertEquals(Optional.of(id), c.members().leader());
        }
        leader = target;
    }
}
