package io.tally.bench.compare;

import io.tally.raft.BootstrapException;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.node.RaftNode;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.snapshot.FileSnapshotStore;
import io.tally.storage.stable.FileStableStore;
import io.tally.transport.netty.NettyTransport;
import io.tally.transport.netty.NettyTransportOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A node of the library comparison on Tally's {@link RaftNode}, wired as the server wires it: the segmented log,
 * the file stable store and the file snapshot store, the Netty TCP transport, {@link RaftConfig#defaults()}
 * (election timeout 500 ms, snapshots every 100,000 entries). Its state machine is the {@link HashMapState}.
 */
public final class TallyRaftNodeMain implements LibraryNode {

    private final NodeArgs args;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final RaftNode<Integer> node;

    private TallyRaftNodeMain(NodeArgs args) throws Exception {
        this.args = args;
        SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, args.data().resolve("log"),
                SegmentedLogOptions.defaults());
        resources.add(log);
        FileStableStore stable = FileStableStore.open(NioFileSystem.INSTANCE, args.data().resolve("stable"));
        resources.add(stable);
        FileSnapshotStore snapshots = FileSnapshotStore.open(NioFileSystem.INSTANCE, args.data().resolve("snapshots"), 2);
        resources.add(snapshots);
        Map<String, InetSocketAddress> peers = new HashMap<>();
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < args.ports().size(); i++) {
            peers.put(NodeArgs.id(i), new InetSocketAddress("127.0.0.1", args.ports().get(i)));
            members.add(Member.voter(NodeArgs.id(i), "127.0.0.1:" + args.ports().get(i)));
        }
        peers.remove(args.id());
        NettyTransport transport = NettyTransport.bind(NettyTransportOptions.defaults("compare", args.id(),
                new InetSocketAddress("127.0.0.1", args.port()), peers));
        resources.add(transport);
        boolean fresh = log.lastIndex() == 0 && stable.load().term() == 0 && snapshots.latest().isEmpty();
        node = RaftNode.<Integer>builder().id(args.id()).config(config()).stateMachine(new MapMachine())
                .logStore(log).stableStore(stable).snapshotStore(snapshots).transport(transport).build();
        node.start();
        resources.add(node);
        if (fresh) {
            try {
                node.bootstrap(Configuration.of(members)).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof BootstrapException)) { // else a peer's leader reached us first: fine
                    throw e;
                }
            }
        }
    }

    /** {@link RaftConfig#defaults()}, whose snapshot trigger is already every {@link #SNAPSHOT_EVERY_ENTRIES} entries. */
    private static RaftConfig config() {
        RaftConfig.SnapshotPolicy s = RaftConfig.SnapshotPolicy.defaults();
        return RaftConfig.defaults().withSnapshots(s.withTriggers(SNAPSHOT_EVERY_ENTRIES, s.everyLogBytes(), s.trailingEntries()));
    }

    public static void main(String[] argv) {
        NodeControl.launch(() -> new TallyRaftNodeMain(NodeArgs.parse(argv)));
    }

    @Override
    public String describe() {
        return "Tally RaftNode (this commit)";
    }

    @Override
    public boolean isLeader() {
        return node.state() == RaftState.LEADER;
    }

    @Override
    public CompletableFuture<?> apply(byte[] command) {
        return node.apply(command);
    }

    @Override
    public void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** The hash map as a Tally state machine; a snapshot copies the map and is written off the apply thread. */
    private static final class MapMachine implements StateMachine<Integer> {
        private final HashMapState state = new HashMapState();

        @Override
        public List<Integer> apply(List<Command> commands) {
            List<Integer> out = new ArrayList<>(commands.size());
            for (Command c : commands) {
                state.apply(ByteBuffer.wrap(c.data()));
                out.add(0);
            }
            return out;
        }

        @Override
        public Snapshot snapshot() {
            Map<Long, byte[]> view = state.copy();
            return (OutputStream out) -> HashMapState.write(view, out);
        }

        @Override
        public void restore(InputStream in) throws IOException {
            state.restore(in);
        }
    }
}
