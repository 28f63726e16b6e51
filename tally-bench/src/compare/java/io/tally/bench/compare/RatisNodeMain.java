package io.tally.bench.compare;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node of the library comparison on Apache Ratis: its segmented log with every flush synced (unsafe and async
 * flush off, their defaults made explicit), an election timeout of 500-1000 ms (Ratis's default, 150-300 ms, is too
 * short for three JVMs on two cores; Tally uses 500-1000 ms), the gRPC transport, a snapshot every 100,000 entries
 * (as Tally's default), and the {@link HashMapState}. Commands are submitted to the server itself
 * ({@code submitClientRequestAsync}), the leader's in-process path, without a client RPC.
 */
public final class RatisNodeMain implements LibraryNode {

    private static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.fromString("7a11c0de-0000-4000-8000-000000000001"));

    private final RaftServer server;
    private final RaftPeerId self;
    private final ClientId client = ClientId.randomId();
    private final AtomicLong callId = new AtomicLong();

    private RatisNodeMain(NodeArgs args) throws IOException {
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < args.ports().size(); i++) {
            peers.add(RaftPeer.newBuilder().setId(NodeArgs.id(i)).setAddress("127.0.0.1:" + args.ports().get(i)).build());
        }
        self = RaftPeerId.valueOf(args.id());
        RaftProperties p = new RaftProperties();
        File dir = args.data().toFile();
        boolean fresh = !dir.exists();
        Files.createDirectories(args.data());
        RaftServerConfigKeys.setStorageDir(p, List.of(dir));
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, SNAPSHOT_EVERY_ENTRIES);
        GrpcConfigKeys.Server.setPort(p, args.port());
        server = RaftServer.newBuilder().setServerId(self).setStateMachine(new MapMachine()).setProperties(p)
                .setGroup(RaftGroup.valueOf(GROUP, peers))
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER).build();
        server.start();
    }

    public static void main(String[] argv) {
        NodeControl.launch(() -> new RatisNodeMain(NodeArgs.parse(argv)));
    }

    @Override
    public String describe() {
        return "Apache Ratis " + PeerVersions.get("ratis");
    }

    @Override
    public boolean isLeader() {
        try {
            return server.getDivision(GROUP).getInfo().isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public CompletableFuture<?> apply(byte[] command) {
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(client).setServerId(self).setGroupId(GROUP)
                .setCallId(callId.incrementAndGet()).setMessage(Message.valueOf(ByteString.copyFrom(command)))
                .setType(RaftClientRequest.writeRequestType()).build();
        try {
            return server.submitClientRequestAsync(request).thenApply(reply -> {
                if (!reply.isSuccess()) {
                    throw new LibraryFailure(reply.getException() == null ? "not successful"
                            : reply.getException().getClass().getSimpleName());
                }
                return reply;
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** The hash map as a Ratis state machine, its snapshots in one file each ({@link SimpleStateMachineStorage}). */
    private static final class MapMachine extends BaseStateMachine {
        private final HashMapState state = new HashMapState();
        private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();

        @Override
        public void initialize(RaftServer server, RaftGroupId group, RaftStorage raftStorage) throws IOException {
            super.initialize(server, group, raftStorage);
            storage.init(raftStorage);
            load();
        }

        @Override
        public void reinitialize() throws IOException {
            load();
        }

        private void load() throws IOException {
            SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
            if (latest == null) {
                return;
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(latest.getFile().getPath()))) {
                state.restore(in);
            }
            updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
        }

        @Override
        public StateMachineStorage getStateMachineStorage() {
            return storage;
        }

        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            LogEntryProto entry = trx.getLogEntry();
            state.apply(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }

        @Override
        public long takeSnapshot() throws IOException {
            TermIndex last = getLastAppliedTermIndex();
            File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file.toPath()))) {
                HashMapState.write(state.copy(), out);
            }
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), null), last));
            return last.getIndex();
        }
    }
}
