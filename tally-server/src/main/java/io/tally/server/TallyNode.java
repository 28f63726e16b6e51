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
    private final Readiness readiness;
    private final StatusPage page;

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
        this.page = new StatusPage(options.id());
        this.stateMachine = new KvStateMachine(sessionTtl, io.tally.kv.SessionRule.REGISTERED, options.historyRevisions());
        resources.add(metrics); // closed last
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
                log = new TimedLogStore(segmented, metrics.fsyncTimer(), page.activity()::fsync);
                stable = fileStable;
                snapshots = page.observe(fileSnapshots);
            } else {
                fresh = true;
                log = new TimedLogStore(new InMemoryLogStore(), metrics.fsyncTimer(), page.activity()::fsync);
                stable = new InMemoryStableStore();
                snapshots = page.observe(new InMemorySnapshotStore());
            }
            if (fresh && !options.join().isEmpty()) {
                // Before the Raft port opens: the leader may already be replicating to this id (a wiped voter).
                JoinPreflight.check(options.id(), options.join(), options.security());
            }
            NettyTransportOptions to = NettyTransportOptions.defaults(options.clusterId(), options.id(),
                    socket(options.raft()), Map.of());
            io.tally.transport.netty.PeerTls peerTls = null;
            SecurityOptions sec = options.security();
            if (sec.peerTls()) {
                try {
                    peerTls = io.tally.transport.netty.PeerTls.of(new io.tally.transport.netty.tls.TlsFiles(
                            sec.peerTlsCert(), sec.peerTlsKey(), sec.peerTlsCa()));
                } catch (javax.net.ssl.SSLException | RuntimeException e) {
                    throw new DataDirectoryException("cannot use the Raft TLS files (--peer-tls-*): " + e.getMessage());
                }
            }
            try {
                transport = NettyTransport.bind(to, peerTls);
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
            // A stranger (never in any configuration this node knows) is heard only while no leader is: it may be a
            // leader this node's stale configuration does not know yet; otherwise it can only disturb.
            transport.admitStrangers(peer -> node.leader().isEmpty());
            metrics.bind(node, log, snapshots);
            readiness = new Readiness(node);
            page.start(node);
            resources.add(page);
            bootstrapIfFresh(fresh);
            kv = new KvService(node, stateMachine, System::nanoTime); // ThreadRuntime's clock: monotonic, never the wall clock
            resources.add(kv); // closed after the HTTP front door: stops the lease and progress timers
            http = HttpFrontDoor.start(socket(options.http()), kv, options.maxValueBytes(), options.maxHttpInFlight(), metrics,
                    snapshots, options.security(), options.dataDir(), readiness, page);
            resources.add(http);
            if (!options.join().isEmpty()) {
                if (fresh) {
                    resources.add(new Joiner(node, options.join(), options.raft(), advertisedHttp(), !options.nonVoter(),
                            options.security()));
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

    /** Whether the node should get client traffic ({@code GET /readyz}). */
    Readiness readiness() {
        return readiness;
    }

    /** HOST:PORT others should use for this node's HTTP API (the bound port when the flag said 0). */
    private String advertisedHttp() {
        int colon = options.http().lastIndexOf(':');
        return options.http().substring(0, colon) + ":" + http.address().getPort();
    }

    public InetSocketAddress httpAddress() {
        return http.address();
    }

    /**
     * Stops the node gracefully (SIGTERM): it reports not ready; a leader hands leadership to the most up-to-date
     * voter (thesis §3.10) and waits for it to take over, for at most {@link #TRANSFER_BUDGET}; the HTTP server stops
     * accepting connections and drains — requests in flight are answered, requests still arriving on open connections
     * are served (forwarded to the new leader) and their connections closed — for at most {@link #DRAIN_BUDGET}; then
     * everything is closed as by {@link #close()}, which answers what is still waiting 503 {@code shutting-down} or,
     * for a write that may be in the log, 504 {@code outcome-unknown}. It returns within about
     * {@link #GRACEFUL_STOP_BOUND} whatever the cluster does.
     */
    public void shutdownGracefully() {
        long start = System.nanoTime();
        readiness.stopping("the node is shutting down");
        if (node.state() == io.tally.raft.RaftState.LEADER && node.configuration().voters().size() > 1) {
            long term = node.term();
            LOG.atInfo().addKeyValue("node", options.id()).addKeyValue("term", term)
                    .addKeyValue("index", node.commitIndex())
                    .log("node {}: shutting down as leader of term {}: handing leadership to the most up-to-date voter",
                            options.id(), term);
            try {
                String to = node.transferLeadership(null).get(TRANSFER_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
                LOG.atInfo().addKeyValue("node", options.id()).addKeyValue("term", node.term())
                        .addKeyValue("index", node.commitIndex()).addKeyValue("leader", to)
                        .log("node {}: handed leadership to {} (term {})", options.id(), to, node.term());
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("node {}: could not hand leadership over ({}); stopping anyway: the others elect a leader "
                        + "after an election timeout", options.id(), e instanceof ExecutionException ? e.getCause() : e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            LOG.info("node {}: shutting down ({})", options.id(), node.state().name().toLowerCase(java.util.Locale.ROOT));
        }
        try {
            int left = http.drain(System.nanoTime() + DRAIN_BUDGET.toNanos());
            LOG.info("node {}: HTTP drained{}", options.id(), left == 0 ? "" : "; " + left
                    + " requests still in flight are answered 503 shutting-down or 504 outcome-unknown");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        LOG.info("node {}: stopped in {} ms", options.id(), (System.nanoTime() - start) / 1_000_000);
    }

    /** How long a leader waits for its successor to take over before it stops anyway. */
    public static final Duration TRANSFER_BUDGET = Duration.ofSeconds(3);
    /** How long the HTTP server waits for requests in flight to be answered. */
    public static final Duration DRAIN_BUDGET = Duration.ofSeconds(5);
    /** {@link #shutdownGracefully()} returns within about this long (closing the parts takes up to ~5 s more). */
    public static final Duration GRACEFUL_STOP_BOUND = Duration.ofSeconds(15);

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
