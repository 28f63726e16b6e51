package io.tally.transport.netty;

import io.tally.raft.RaftConfig;
import io.tally.raft.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.core.Configuration;
import io.tally.raft.core.Member;
import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.InMemoryStableStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real {@link RaftNode}s on real threads talking over loopback TCP. */
class NettyClusterTest {

    private final List<RaftNode<Long>> nodes = new ArrayList<>();
    private final List<NettyTransport> transports = new ArrayList<>();
    private final List<ListStateMachine> machines = new ArrayList<>();
    private final List<InMemorySnapshotStore> snapshots = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(RaftNode::close);
    }

    private RaftNode<Long> node(String id, NettyTransport t, RaftConfig config) {
        ListStateMachine sm = new ListStateMachine();
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        snapshots.add(store);
        RaftNode<Long> n = RaftNode.<Long>builder().id(id).config(config).stateMachine(sm)
                .logStore(new InMemoryLogStore()).stableStore(new InMemoryStableStore())
                .snapshotStore(store).transport(t).build();
        nodes.add(n);
        machines.add(sm);
        return n;
    }

    private Configuration cluster(RaftConfig config, String... ids) {
        List<Member> members = new ArrayList<>();
        for (String id : ids) {
            NettyTransport t = NettyTransport.bind(NettyTransportOptions.defaults("c1", id,
                    new InetSocketAddress("127.0.0.1", 0), Map.of()));
            transports.add(t);
            members.add(Member.voter(id, "127.0.0.1:" + t.localAddress().getPort()));
            node(id, t, config);
        }
        return Configuration.of(members);
    }

    private RaftNode<Long> awaitLeader(List<RaftNode<Long>> among) {
        Wait.until("a leader is elected", Duration.ofSeconds(20),
                () -> among.stream().anyMatch(n -> n.state() == RaftState.LEADER));
        return among.stream().filter(n -> n.state() == RaftState.LEADER).findFirst().orElseThrow();
    }

    private long snapshotIndex(int node) {
        try {
            return snapshots.get(node).latest().map(m -> m.lastIndex()).orElse(0L);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void threeNodesElectALeaderAndReplicateOverTcp() throws Exception {
        Configuration c = cluster(RaftConfig.defaults(), "n1", "n2", "n3");
        for (RaftNode<Long> n : nodes) {
            n.start();
            n.bootstrap(c).get(10, TimeUnit.SECONDS);
        }
        RaftNode<Long> leader = awaitLeader(nodes);
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            fs.add(leader.apply(("cmd-" + i).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)));
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        Wait.until("every node applies all 500", Duration.ofSeconds(20),
                () -> machines.stream().allMatch(m -> m.size() == 500));
        for (ListStateMachine m : machines) {
            for (int i = 0; i < 500; i++) {
                assertArrayEquals(("cmd-" + i).getBytes(StandardCharsets.UTF_8), m.applied.get(i));
            }
        }
        assertEquals(0, transports.stream().mapToLong(t -> t.stats().connectionsRejected()).sum());
    }

    @Test
    void aLaggingFollowerIsSentASnapshotInChunksOverTcp() throws Exception {
        RaftConfig config = RaftConfig.defaults().withSnapshots(
                new RaftConfig.SnapshotPolicy(50, 0, 5, 1024, 4));
        Configuration c = cluster(config, "n1", "n2", "n3");
        List<RaftNode<Long>> firstTwo = nodes.subList(0, 2);
        for (RaftNode<Long> n : firstTwo) {
            n.start();
            n.bootstrap(c).get(10, TimeUnit.SECONDS);
        }
        RaftNode<Long> leader = awaitLeader(firstTwo);
        byte[] payload = new byte[200];
        for (int i = 0; i < 300; i++) {
            leader.apply(payload, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
        }
        Wait.until("the leader compacts its log", Duration.ofSeconds(20),
                () -> snapshotIndex(nodes.indexOf(leader)) > 200);
        RaftNode<Long> late = nodes.get(2);
        late.start(); // not bootstrapped: it learns everything, configuration included, from the leader
        Wait.until("the late node catches up from a snapshot", Duration.ofSeconds(30),
                () -> machines.get(2).size() == 300);
        Optional<String> seen = late.leader();
        assertTrue(seen.isPresent());
        assertTrue(snapshotIndex(2) > 0, "caught up through a snapshot, not the log");
    }
}
