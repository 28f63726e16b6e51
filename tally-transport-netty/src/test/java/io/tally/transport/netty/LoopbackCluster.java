package io.tally.transport.netty;

import io.tally.testkit.harness.Poll;
import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.InMemoryStableStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Real {@link RaftNode}s on real threads in this JVM, with in-memory storage, talking over loopback TCP. */
final class LoopbackCluster implements AutoCloseable {

    final List<RaftNode<Long>> nodes = new ArrayList<>();
    final List<NettyTransport> transports = new ArrayList<>();
    final List<ListStateMachine> machines = new ArrayList<>();
    final List<InMemorySnapshotStore> snapshots = new ArrayList<>();
    final Configuration configuration;

    LoopbackCluster(RaftConfig config, UnaryOperator<NettyTransportOptions> transportOptions, String... ids) {
        List<Member> members = new ArrayList<>();
        for (String id : ids) {
            NettyTransport t = NettyTransport.bind(transportOptions.apply(NettyTransportOptions.defaults("c1", id,
                    new InetSocketAddress("127.0.0.1", 0), Map.of())));
            transports.add(t);
            members.add(Member.voter(id, "127.0.0.1:" + t.localAddress().getPort()));
            ListStateMachine sm = new ListStateMachine();
            InMemorySnapshotStore store = new InMemorySnapshotStore();
            nodes.add(RaftNode.<Long>builder().id(id).config(config).stateMachine(sm)
                    .logStore(new InMemoryLogStore()).stableStore(new InMemoryStableStore())
                    .snapshotStore(store).transport(t).build());
            machines.add(sm);
            snapshots.add(store);
        }
        configuration = Configuration.of(members);
    }

    LoopbackCluster(RaftConfig config, String... ids) {
        this(config, o -> o, ids);
    }

    /** Starts and bootstraps node {@code i}. */
    void startAndBootstrap(int i) throws Exception {
        nodes.get(i).start();
        nodes.get(i).bootstrap(configuration).get();
    }

    RaftNode<Long> awaitLeader(List<RaftNode<Long>> among) {
        Poll.until("a leader is elected", Duration.ofSeconds(20),
                () -> among.stream().anyMatch(n -> n.state() == RaftState.LEADER));
        return among.stream().filter(n -> n.state() == RaftState.LEADER).findFirst().orElseThrow();
    }

    long snapshotIndex(int node) {
        try {
            return snapshots.get(node).latest().map(m -> m.lastIndex()).orElse(0L);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        nodes.forEach(RaftNode::close);
    }
}
