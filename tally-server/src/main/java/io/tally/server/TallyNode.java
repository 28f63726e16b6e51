package io.tally.server;

import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.kv.KvStateMachine;
import io.tally.raft.BootstrapException;
import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.InMemoryStableStore;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.snapshot.FileSnapshotStore;
import io.tally.storage.stable.FileStableStore;
import io.tally.transport.netty.NettyTransport;
import io.tally.transport.netty.NettyTransportOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Tally node process: the key/value store ({@link KvStateMachine}) on a {@link RaftNode} over file storage
 * (or memory, for benchmarks) and the TCP transport, plus its HTTP API. The data directory holds {@code log/}, {@code stable/}, {@code snapshots/}
 * and a lock file, so two processes can never share one directory.
 */
public final class TallyNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TallyNode.class);

    private final ServerOptions options;
    private final List<AutoCloseable> resources = new ArrayList<>(); // closed in reverse
    private final KvStateMachine stateMachine;
    private final RaftNode<KvResult> node;
    private final KvService kv;
    private final NettyTransport transport;
    private final HttpFrontDoor http;
    private final NodeMetrics metrics = new NodeMetrics();

    /**
     * Opens the data directory and starts the node. With {@code --join} and an empty data directory it first waits
     * for the cluster to describe its membership ({@link JoinPreflight}).
     *
     * @throws DataDirectoryException when the data directory cannot be used, or an empty one is to join under the id
     *                                of a voter
     */
    public TallyNode(ServerOptions options) throws DataDirectoryException {
        this(options, Duration.ofHours(1));
    }

    /**
     * @param sessionTtl how long a client session may stay idle (by the log clock) before it expires; part of the
     *                   state machine's rules, so the same on every node: not a flag, only tests choose another
     */
    TallyNode(ServerOptions options, Duration sessionTtl) throws DataDirectoryException {
        this.options = options;
        this.stateMachine = new KvStateMachine(sessionTtl, io.tally.kv.SessionRule.REGISTERED, options.historyRevisions());
        try {
            boolean fresh;
            LogStore log;
            StableStore stable;
            SnapshotStore snapshots;
            if (options.storage().equals("file")) {
                lockDataDirectory(options.dataDir());
                ClusterIdFile.check(options.dataDir(), options.clusterId());
                SegmentedLogStore segmented = open(() -> SegmentedLogStore.open(NioFileSystem.INSTANCE,
                        options.dataDir().resolve("log"), SegmentedLogOptions.defaults()), "log");
                FileStableStore fileStable = open(() -> FileStableStore.open(NioFileSystem.INSTANCE,
                        options.dataDir().resolve("stable")), "hard state");
                FileSnapshotStore fileSnapshots = open(() -> FileSnapshotStore.open(NioFileSystem.INSTANCE,
                        options.dataDir().resolve("snapshots"), 2), "snapshots");
                fresh = segmented.lastIndex() == 0 && fileStable.load().term() == 0 && fileSnapshots.latest().isEmpty();
                log = new TimedLogStore(segmented, metrics.fsyncTimer());
                stable = fileStable;
                snapshots = fileSnapshots;
            } else {
                fresh = true;
                log = new TimedLogStore(new InMemoryLogStore(), metrics.fsyncTimer());
                stable = new InMemoryStableStore();
                snapshots = new InMemorySnapshotStore();
            }
            if (fresh && !options.join().isEmpty()) {
                // Before the Raft port opens: the leader may already be replicating to this id (a wiped voter).
                JoinPreflight.check(options.id(), options.join());
            }
            NettyTransportOptions to = NettyTransportOptions.defaults(options.clusterId(), options.id(),
                    socket(options.raft()), Map.of());
            try {
                transport = NettyTransport.bind(to);
            } catch (RuntimeException e) {
                throw new DataDirectoryException("cannot listen for Raft peers on " + options.raft() + ": " + e.getMessage());
            }
            resources.add(transport);
            RaftConfig defaults = RaftConfig.defaults();
            // Heartbeats every tenth of the election timeout; leases end a fifth of it early (the clock-drift margin).
            RaftConfig config = defaults.withElectionTimeout(Duration.ofMillis(options.electionTimeoutMs()))
                    .withSnapshots(defaults.snapshots().withTriggers(options.snapshotEntries(),
                            defaults.snapshots().everyLogBytes(), defaults.snapshots().trailingEntries()))
                    .withPendingLimits(options.maxPendingRequests(), defaults.maxPendingBytes());
            node = RaftNode.<KvResult>builder().id(options.id()).config(config).stateMachine(stateMachine)
                    .logStore(log).stableStore(stable).snapshotStore(snapshots).transport(transport).build();
            try {
                node.start();
            } catch (RuntimeException e) {
                throw new DataDirectoryException("cannot recover the node's state from " + options.dataDir() + ": " + e.getMessage());
            }
            resources.add(node);
            metrics.bind(node, log, snapshots);
            bootstrapIfFresh(fresh);
            kv = new KvService(node, stateMachine, System::nanoTime); // ThreadRuntime's clock: monotonic, never the wall clock
            resources.add(kv); // closed after the HTTP front door: stops the lease and progress timers
            http = HttpFrontDoor.start(socket(options.http()), kv, options.maxValueBytes(), options.maxHttpInFlight(), metrics,
                    snapshots);
            resources.add(http);
            if (!options.join().isEmpty()) {
                if (fresh) {
                    resources.add(new Joiner(node, options.join(), options.raft(), advertisedHttp(), !options.nonVoter()));
                } else {
                    LOG.info("the data directory already holds state: ignoring --join");
                }
            }
        } catch (DataDirectoryException e) {
            close();
            throw e;
        } catch (IOException | RuntimeException e) {
            close();
            throw new DataDirectoryException("cannot start: " + e.getMessage());
        }
    }

    private void bootstrapIfFresh(boolean fresh) {
        if (options.cluster().isEmpty()) {
            if (fresh) {
                LOG.info("no --cluster given and no state: waiting to be contacted by a leader");
            }
            return;
        }
        if (!fresh) {
            LOG.info("the data directory already holds state: ignoring --cluster");
            return;
        }
        List<Member> members = new ArrayList<>();
        options.cluster().forEach((id, a) -> members.add(MemberHttp.with(Member.voter(id, a.raft()), a.http())));
        try {
            node.bootstrap(Configuration.of(members)).get(10, TimeUnit.SECONDS);
            LOG.info("bootstrapped a new cluster of {}", options.cluster().keySet());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BootstrapException) {
                // A peer's leader reached us first: we already follow the cluster, which is what bootstrap wanted.
                LOG.info("not bootstrapping: {}", e.getCause().getMessage());
            } else {
                throw new IllegalStateException("bootstrap failed: " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while bootstrapping");
        } catch (TimeoutException e) {
            throw new IllegalStateException("bootstrap did not complete in 10 s");
        }
    }

    private void lockDataDirectory(Path dir) throws DataDirectoryException {
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new DataDirectoryException("data directory " + dir + " is not writable");
            }
            FileChannel ch = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                throw new DataDirectoryException("data directory " + dir + " is in use by another process");
            }
            resources.add(ch); // closing the channel releases the lock
        } catch (IOException e) {
            throw new DataDirectoryException("cannot use data directory " + dir + ": " + e);
        }
    }

    private interface Opener<T> {
        T open() throws IOException;
    }

    private <T extends AutoCloseable> T open(Opener<T> opener, String what) throws DataDirectoryException {
        try {
            T t = opener.open();
            resources.add(t);
            return t;
        } catch (IOException | RuntimeException e) {
            throw new DataDirectoryException("cannot open the " + what + " in " + options.dataDir() + ": " + e.getMessage());
        }
    }

    static InetSocketAddress socket(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }

    public RaftNode<KvResult> raft() {
        return node;
    }

    public KvService kv() {
        return kv;
    }

    /** HOST:PORT others should use for this node's HTTP API (the bound port when the flag said 0). */
    private String advertisedHttp() {
        int colon = options.http().lastIndexOf(':');
        return options.http().substring(0, colon) + ":" + http.address().getPort();
    }

    public InetSocketAddress httpAddress() {
        return http.address();
    }

    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("error while closing {}: {}", resources.get(i), e.toString());
            }
        }
        resources.clear();
    }

    /** The data directory (or a listen address) cannot be used; the process exits with code 2. */
    public static final class DataDirectoryException extends Exception {
        private static final long serialVersionUID = 1L;

        public DataDirectoryException(String message) {
            super(message);
        }
    }
}
