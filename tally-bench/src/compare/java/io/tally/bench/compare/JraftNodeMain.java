package io.tally.bench.compare;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A node of the library comparison on SOFAJRaft: its default services (the RocksDB log), {@code sync} and
 * {@code syncMeta} on, its default election timeout (1 s), a snapshot every 100,000 applied entries, and the
 * {@link HashMapState}. Commands go through {@link Node#apply(Task)}; a task's closure completes the future.
 *
 * <p>SOFAJRaft triggers snapshots only on a timer (an hour by default), so its state machine asks for one through
 * {@link Node#snapshot} every {@link LibraryNode#SNAPSHOT_EVERY_ENTRIES} entries, as Tally and Ratis take theirs.
 */
public final class JraftNodeMain implements LibraryNode {

    private static final String SNAPSHOT_FILE = "map";

    private final RaftGroupService group;
    private final Node node;

    private JraftNodeMain(NodeArgs args) throws IOException {
        Configuration voters = new Configuration();
        for (int port : args.ports()) {
            voters.addPeer(PeerId.parsePeer("127.0.0.1:" + port));
        }
        RaftOptions raft = new RaftOptions();
        raft.setSync(true);
        raft.setSyncMeta(true);
        NodeOptions options = new NodeOptions();
        options.setRaftOptions(raft);
        options.setInitialConf(voters);
        MapMachine fsm = new MapMachine();
        options.setFsm(fsm);
        options.setSnapshotIntervalSecs(3600); // its default; the entry count below triggers them
        Files.createDirectories(args.data());
        options.setLogUri(args.data().resolve("log").toString());
        options.setRaftMetaUri(args.data().resolve("meta").toString());
        options.setSnapshotUri(args.data().resolve("snapshot").toString());
        group = new RaftGroupService("compare", PeerId.parsePeer("127.0.0.1:" + args.port()), options);
        node = group.start();
        fsm.snapshotTrigger = () -> node.snapshot(status -> {
            // Refused while the previous one is still being saved, like Tally's and Ratis' triggers: nothing to do.
        });
    }

    public static void main(String[] argv) {
        NodeControl.launch(() -> new JraftNodeMain(NodeArgs.parse(argv)));
    }

    @Override
    public String describe() {
        return "SOFAJRaft " + PeerVersions.get("jraft");
    }

    @Override
    public boolean isLeader() {
        return node.isLeader();
    }

    @Override
    public CompletableFuture<?> apply(byte[] command) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        node.apply(new Task(ByteBuffer.wrap(command), status -> {
            if (status.isOk()) {
                done.complete(null);
            } else {
                done.completeExceptionally(new LibraryFailure(String.valueOf(status.getRaftError())));
            }
        }));
        return done;
    }

    @Override
    public void close() throws InterruptedException {
        group.shutdown();
        group.join();
    }

    /** The hash map as a SOFAJRaft state machine; a snapshot copies the map and writes it on another thread. */
    private static final class MapMachine extends StateMachineAdapter {
        private final HashMapState state = new HashMapState();
        private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "snapshot-writer");
            t.setDaemon(true);
            return t;
        });
        /** Asks the node for a snapshot, off the apply thread (whose own queue the request goes through). */
        private final ExecutorService trigger = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "snapshot-trigger");
            t.setDaemon(true);
            return t;
        });
        private volatile Runnable snapshotTrigger = () -> { };
        // On the apply thread: the index last applied, the one the last snapshot covers, the one the last request
        // was made at. Counted from the last snapshot, as Tally and Ratis count: a request refused while another
        // snapshot was being saved is made again, every tenth of the interval, until one is taken.
        private long appliedIndex;
        private long snapshotIndex;
        private long requestedAt;

        @Override
        public void onApply(Iterator it) {
            while (it.hasNext()) {
                state.apply(it.getData());
                appliedIndex = it.getIndex();
                if (appliedIndex - snapshotIndex >= SNAPSHOT_EVERY_ENTRIES
                        && appliedIndex - requestedAt >= SNAPSHOT_EVERY_ENTRIES / 10) {
                    requestedAt = appliedIndex;
                    trigger.execute(snapshotTrigger);
                }
                Closure done = it.done();
                if (done != null) {
                    done.run(Status.OK());
                }
                it.next();
            }
        }

        @Override
        public void onSnapshotSave(SnapshotWriter snapshot, Closure done) {
            snapshotIndex = appliedIndex; // called on the apply thread, in order with applies
            Map<Long, byte[]> view = state.copy();
            writer.execute(() -> {
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(snapshot.getPath(), SNAPSHOT_FILE)))) {
                    HashMapState.write(view, out);
                } catch (IOException e) {
                    done.run(new Status(-1, "cannot write the snapshot: " + e));
                    return;
                }
                done.run(snapshot.addFile(SNAPSHOT_FILE) ? Status.OK() : new Status(-1, "cannot add the snapshot file"));
            });
        }

        @Override
        public boolean onSnapshotLoad(SnapshotReader snapshot) {
            if (snapshot.getFileMeta(SNAPSHOT_FILE) == null) {
                return false;
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(Path.of(snapshot.getPath(), SNAPSHOT_FILE)))) {
                state.restore(in);
                snapshotIndex = appliedIndex = requestedAt = snapshot.load().getLastIncludedIndex();
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
