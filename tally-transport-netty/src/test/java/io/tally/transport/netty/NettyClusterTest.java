package io.tally.transport.netty;

import io.tally.testkit.harness.Poll;
import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real {@link RaftNode}s on real threads talking over loopback TCP. */
class NettyClusterTest {

    @Test
    void threeNodesElectALeaderAndReplicateOverTcp() throws Exception {
        try (LoopbackCluster c = new LoopbackCluster(RaftConfig.defaults(), "n1", "n2", "n3")) {
            for (int i = 0; i < 3; i++) {
                c.startAndBootstrap(i);
            }
            RaftNode<Long> leader = c.awaitLeader(c.nodes);
            List<CompletableFuture<Long>> fs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                fs.add(leader.apply(("cmd-" + i).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)));
            }
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            Poll.until("every node applies all 500", Duration.ofSeconds(20),
                    () -> c.machines.stream().allMatch(m -> m.size() == 500));
            for (ListStateMachine m : c.machines) {
                for (int i = 0; i < 500; i++) {
                    assertArrayEquals(("cmd-" + i).getBytes(StandardCharsets.UTF_8), m.applied.get(i));
                }
            }
            assertEquals(0, c.transports.stream().mapToLong(t -> t.stats().connectionsRejected()).sum());
        }
    }

    @Test
    void aLaggingFollowerIsSentASnapshotInChunksOverTcp() throws Exception {
        RaftConfig config = RaftConfig.defaults().withSnapshots(new RaftConfig.SnapshotPolicy(50, 0, 5, 1024, 4));
        try (LoopbackCluster c = new LoopbackCluster(config, "n1", "n2", "n3")) {
            c.startAndBootstrap(0);
            c.startAndBootstrap(1);
            RaftNode<Long> leader = c.awaitLeader(c.nodes.subList(0, 2));
            byte[] payload = new byte[200];
            for (int i = 0; i < 300; i++) {
                leader.apply(payload, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            }
            Poll.until("the leader compacts its log", Duration.ofSeconds(20),
                    () -> c.snapshotIndex(c.nodes.indexOf(leader)) > 200);
            // Not bootstrapped: the late node learns everything, configuration included, from the leader.
            c.nodes.get(2).start();
            Poll.until("the late node catches up from a snapshot", Duration.ofSeconds(30),
                    () -> c.machines.get(2).size() == 300);
            assertTrue(c.nodes.get(2).leader().isPresent());
            assertTrue(c.snapshotIndex(2) > 0, "caught up through a snapshot, not the log");
        }
    }
}
