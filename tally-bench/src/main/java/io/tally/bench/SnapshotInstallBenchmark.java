package io.tally.bench;

import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import io.tally.raft.runtime.ThreadRuntime;
import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.InMemoryStableStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.testkit.net.InMemoryNetwork;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * InstallSnapshot throughput between two nodes on the in-memory transport (real threads): a 3-node cluster
 * whose state machine holds {@code --state-mb} of state; the leader snapshots and compacts; a follower is
 * replaced by an empty one, which can catch up only by receiving the snapshot. Reports snapshot bytes per
 * second from the new node's start until it has restored and applied up to the snapshot.
 *
 * <p>Usage: {@code SnapshotInstallBenchmark [--state-mb 64] [--chunk-kb 256] [--window 4]}
 */
public final class SnapshotInstallBenchmark {

    /** Holds a fixed-size blob of state; a snapshot writes it all, a restore reads it all. */
    static final class BlobStateMachine implements StateMachine<Long> {
        private final byte[] state;
        private long applied;

        BlobStateMachine(int bytes) {
            state = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                state[i] = (byte) (i * 7);
            }
        }

        @Override
        public List<Long> apply(List<Command> commands) {
            List<Long> out = new ArrayList<>(commands.size());
            for (Command c : commands) {
                out.add(++applied);
            }
            return out;
        }

        @Override
        public Snapshot snapshot() {
            byte[] view = state; // never mutated after construction: a safe point-in-time view
            return (OutputStream out) -> out.write(view);
        }

        @Override
        public void restore(InputStream in) throws IOException {
            int n = in.readNBytes(state, 0, state.length);
            if (n != state.length || in.read() != -1) {
                throw new IOException("snapshot of unexpected size");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int stateBytes = BenchArgs.intArg(args, "--state-mb", 64) << 20;
        int chunk = BenchArgs.intArg(args, "--chunk-kb", 256) << 10;
        int window = BenchArgs.intArg(args, "--window", 4);
        RaftConfig config = RaftConfig.defaults().withSnapshots(new RaftConfig.SnapshotPolicy(0, 0, 0, chunk, window));
        InMemoryNetwork net = new InMemoryNetwork();
        String[] ids = {"b0", "b1", "b2"};
        List<RaftNode<Long>> nodes = new ArrayList<>();
        for (String id : ids) {
            nodes.add(node(id, config, net, stateBytes));
        }
        for (RaftNode<Long> n : nodes) {
            n.bootstrap(Configuration.ofVoters(ids)).get(10, TimeUnit.SECONDS);
        }
        RaftNode<Long> leader = await(() -> nodes.stream().filter(n -> n.state() == RaftState.LEADER).findFirst().orElse(null));
        int victim = (nodes.indexOf(leader) + 1) % 3;
        nodes.get(victim).close();
        for (int i = 0; i < 1_000; i++) {
            leader.apply(new byte[] {1}).get(10, TimeUnit.SECONDS);
        }
        SnapshotMeta meta = leader.snapshot().get(60, TimeUnit.SECONDS);
        for (int i = 0; i < 10; i++) {
            leader.apply(new byte[] {2}).get(10, TimeUnit.SECONDS); // entries after the snapshot, and compaction done
        }
        long start = System.nanoTime();
        RaftNode<Long> fresh = node(ids[victim], config, net, stateBytes); // an empty replacement: no log, no snapshot
        long target = meta.lastIndex();
        await(() -> fresh.appliedIndex() >= target ? fresh : null);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("snapshot: %d bytes at index %d; chunk %d KiB, window %d%n", meta.sizeBytes(), meta.lastIndex(),
                chunk >> 10, window);
        System.out.printf("installed on an empty follower in %.3f s: %.1f MB/s%n", seconds, meta.sizeBytes() / seconds / 1e6);
        fresh.close();
        for (RaftNode<Long> n : nodes) {
            n.close();
        }
    }

    private static RaftNode<Long> node(String id, RaftConfig config, InMemoryNetwork net, int stateBytes) {
        RaftNode<Long> n = RaftNode.<Long>builder().id(id).config(config).stateMachine(new BlobStateMachine(stateBytes))
                .logStore(new InMemoryLogStore()).stableStore(new InMemoryStableStore())
                .snapshotStore(new InMemorySnapshotStore()).transport(net.transport(id)).runtime(new ThreadRuntime(id)).build();
        n.start();
        return n;
    }

    private static <T> T await(java.util.function.Supplier<T> probe) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        T t;
        while ((t = probe.get()) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return t;
    }
}
