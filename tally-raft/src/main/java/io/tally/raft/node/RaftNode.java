package io.tally.raft.node;

import io.tally.raft.BootstrapException;
import io.tally.raft.ClusterChangeException;
import io.tally.raft.LeaderListener;
import io.tally.raft.LeadershipLostException;
import io.tally.raft.Membership;
import io.tally.raft.NodeClosedException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.OverloadedException;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.RaftTimeoutException;
import io.tally.raft.Safeguard;
import io.tally.raft.StateMachine;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Member;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.ThreadRuntime;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;
import io.tally.raft.transport.Transport;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Raft node: the public face of the runtime that drives the pure {@link io.tally.raft.core.RaftCore}. It builds
 * the node's parts ({@link NodePipeline}: the Raft loop, the log writer, the applier, snapshots), and turns each
 * call into a future and an event for the Raft loop. Every future completes: with its result, a typed error
 * ({@link NotLeaderException}, {@link LeadershipLostException} or {@link RaftTimeoutException} when the outcome is
 * unknown, {@link OverloadedException} when the node holds too many requests), or {@link NodeClosedException}.
 * Callbacks of futures and listeners run on the apply thread, never on the Raft loop.
 *
 * @param <R> the state machine's result type
 */
public final class RaftNode<R> implements AutoCloseable {

    /** Default time a membership change may take (catch-up of a new voter included). */
    public static final Duration DEFAULT_CHANGE_TIMEOUT = Duration.ofMinutes(10);

    private final String id;
    private final RaftConfig config;
    private final CopyOnWriteArrayList<LeaderListener> listeners = new CopyOnWriteArrayList<>();
    private final NodePipeline<R> pipeline;

    private RaftNode(Builder<R> b) {
        this.id = b.id;
        this.config = b.config;
        this.pipeline = new NodePipeline<>(b.id, b.config, b.stateMachine, b.logStore, b.stableStore, b.snapshotStore,
                b.transport, b.runtime, b.disabled, listeners);
    }

    public static <R> Builder<R> builder() {
        return new Builder<>();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Recovers the node's state from its stores ({@link Recovery}) and starts taking part in the cluster. A node with
     * empty stores waits to be bootstrapped ({@link #bootstrap}) or to be contacted by a leader.
     *
     * @throws UncheckedIOException when the stores cannot be read
     */
    public void start() {
        pipeline.start();
    }

    /**
     * Bootstraps a new cluster with this configuration. Call it on every initial member (with the same
     * configuration) after {@link #start()}; it fails with {@link BootstrapException} on a node that already
     * has state, which makes it safe to call on every start.
     */
    public CompletableFuture<Void> bootstrap(Configuration configuration) {
        Objects.requireNonNull(configuration, "configuration");
        CompletableFuture<Void> f = new CompletableFuture<>();
        pipeline.submit(new LoopEvent.Bootstrap(configuration, f), f, 0);
        return f;
    }

    /** Stops the node and releases its threads. Every request still pending fails with {@link NodeClosedException}. */
    @Override
    public void close() {
        pipeline.close();
    }

    // ---------------------------------------------------------------- commands

    /** Proposes a command; the future completes with the state machine's result once it is applied here. */
    public CompletableFuture<R> apply(byte[] command) {
        return apply(command, null);
    }

    /**
     * Proposes a command with a timeout. The future fails with {@link NotLeaderException} when this node is
     * not the leader, {@link LeadershipLostException} or {@link RaftTimeoutException} when the outcome is
     * unknown, {@link OverloadedException} at once when the node holds too many requests, and
     * {@link NodeClosedException} when the node stops.
     */
    public CompletableFuture<R> apply(byte[] command, Duration timeout) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<R> f = new CompletableFuture<>();
        pipeline.submit(new LoopEvent.Propose(new PendingOp<>(EntryType.COMMAND, command.clone(), f)), f, command.length);
        pipeline.withTimeout(f, timeout);
        return f;
    }

    /**
     * Appends a barrier; the future completes with its index once every entry before it has been applied
     * on this (leader) node.
     */
    public CompletableFuture<Long> barrier() {
        return barrier(null);
    }

    public CompletableFuture<Long> barrier(Duration timeout) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        pipeline.submit(new LoopEvent.Propose(PendingOp.barrier(f)), f, 0);
        pipeline.withTimeout(f, timeout);
        return f;
    }

    // ---------------------------------------------------------------- reads

    /**
     * A linearizable read barrier (ReadIndex, Raft thesis §6.4). The future completes, on the apply thread, once
     * this node — the leader — has confirmed with a majority that it still leads and has applied everything
     * committed when the request arrived (and an entry of its own term): reading the state machine from then on
     * is linearizable. It completes with the read index. Fails with {@link NotLeaderException} on a follower
     * or when leadership is lost first, and with {@link RaftTimeoutException} after {@code timeout}. Nothing is
     * written to the log.
     */
    public CompletableFuture<Long> readIndex(Duration timeout) {
        return read(false, timeout);
    }

    /**
     * Like {@link #readIndex}, but served without a heartbeat round while the leader lease holds (thesis §6.4.1;
     * CheckQuorum must be on), measured on the monotonic clock. Linearizable while clock rates differ by less than
     * {@link io.tally.raft.core.CoreConfig#maxClockDriftRate()}; falls back to ReadIndex when the lease lapsed.
     */
    public CompletableFuture<Long> leaseRead(Duration timeout) {
        return read(true, timeout);
    }

    private CompletableFuture<Long> read(boolean lease, Duration timeout) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        pipeline.submit(new LoopEvent.Read(lease, f), f, 0);
        pipeline.withTimeout(f, timeout);
        return f;
    }

    /**
     * On the leader, each follower's match index (how far its log is known to match the leader's; the
     * difference to {@link #lastLogIndex()} is its replication lag); empty on other nodes. Computed by the Raft
     * loop only when asked, for monitoring.
     */
    public CompletableFuture<Map<String, Long>> replicationProgress() {
        CompletableFuture<Map<String, Long>> f = new CompletableFuture<>();
        pipeline.submit(new LoopEvent.ProgressQuery(f), f, 0);
        return f;
    }

    /**
     * Takes a snapshot of what has been applied (§7); the future completes with the snapshot's metadata once
     * it is durable, and the log is then compacted behind it, keeping the policy's trailing entries. A
     * request made while a snapshot is being written completes with that one; when nothing new was applied
     * since the newest snapshot, it completes with that snapshot.
     */
    public CompletableFuture<SnapshotMeta> snapshot() {
        CompletableFuture<SnapshotMeta> f = new CompletableFuture<>();
        pipeline.snapshot(f);
        return f;
    }

    // ---------------------------------------------------------------- membership and leadership

    /**
     * Changes the membership by joint consensus (Raft thesis §4.3); call it on the leader. The future completes
     * once the new configuration is committed. New voters join as non-voters and are promoted once caught up.
     * Fails with {@link NotLeaderException} on a non-leader, and with {@link ClusterChangeException} otherwise
     * (see its {@link ClusterChangeException.Kind kinds}).
     *
     * @param expectedIndex the {@link Membership#index()} this change is based on, or -1 for any; the change fails
     *                      with {@code CONFLICT} if the membership has moved on
     * @param timeout       how long it may take, or null for {@link #DEFAULT_CHANGE_TIMEOUT}
     */
    public CompletableFuture<Membership> changeMembership(ConfigChange change, long expectedIndex, Duration timeout) {
        Objects.requireNonNull(change, "change");
        Duration t = timeout == null ? DEFAULT_CHANGE_TIMEOUT : timeout;
        if (t.isNegative() || t.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        CompletableFuture<Membership> f = new CompletableFuture<>();
        pipeline.submit(new LoopEvent.Change(change, expectedIndex, t, f), f, 0);
        return f;
    }

    /**
     * Adds a member, or changes an existing member's role or address: as a voter (through catch-up) when
     * {@link Member#voter()}, else as a non-voter that receives the log but never votes.
     */
    public CompletableFuture<Membership> addMember(Member member, Duration timeout) {
        return changeMembership(new ConfigChange.AddMember(member), -1, timeout);
    }

    /** Removes a member — a voter, a non-voter, or this leader itself (which then steps down). */
    public CompletableFuture<Membership> removeMember(String memberId, Duration timeout) {
        return changeMembership(new ConfigChange.RemoveMember(memberId), -1, timeout);
    }

    /**
     * Hands leadership to {@code target}, or to the most up-to-date voter when null (thesis §3.10); call it on the
     * leader. Proposals are refused while the transfer runs. The future completes with the new leader's id, or
     * fails with {@link ClusterChangeException} ({@code FAILED}) when the target has not taken over within an
     * election timeout, after which this node accepts proposals again.
     */
    public CompletableFuture<String> transferLeadership(String target) {
        CompletableFuture<String> f = new CompletableFuture<>();
        pipeline.submit(new LoopEvent.Transfer(target, f), f, 0);
        return f;
    }

    // ---------------------------------------------------------------- state (any thread)

    /** The membership in force on this node (possibly not yet committed) with its index. */
    public Membership membership() {
        NodeStatus s = status();
        return new Membership(s.configurationIndex(), s.configuration());
    }

    public String id() {
        return id;
    }

    /** The settings this node runs with. */
    public RaftConfig config() {
        return config;
    }

    public RaftState state() {
        return status().state();
    }

    /** The leader this node knows of, if any. */
    public Optional<String> leader() {
        return Optional.ofNullable(status().leader());
    }

    public long term() {
        return status().term();
    }

    public long commitIndex() {
        return status().commitIndex();
    }

    public long appliedIndex() {
        return pipeline.appliedIndex();
    }

    public long lastLogIndex() {
        return status().lastLogIndex();
    }

    /** The latest configuration in this node's log (in force, possibly uncommitted). */
    public Configuration configuration() {
        return status().configuration();
    }

    /** The latest configuration at or below this node's commit index. */
    public Configuration committedConfiguration() {
        return status().committedConfiguration();
    }

    /** A consistent snapshot of the node's externally visible state, published after every loop batch. */
    public NodeStatus status() {
        return pipeline.status();
    }

    /**
     * The environment the node runs in (clock, timers, threads): services built on the node schedule on it, so that in
     * the simulator they run in the node's virtual time.
     */
    public RaftRuntime runtime() {
        return pipeline.runtime();
    }

    /** The error that stopped the node, if it stopped after one. */
    public Optional<Throwable> fatalError() {
        return Optional.ofNullable(pipeline.fatal());
    }

    /** Observes leader changes; called on the apply thread. */
    public void addLeaderListener(LeaderListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeLeaderListener(LeaderListener listener) {
        listeners.remove(listener);
    }

    /** Assembles a {@link RaftNode}. Storage and transport are required; the runtime defaults to threads. */
    public static final class Builder<R> {

        private String id;
        private RaftConfig config = RaftConfig.defaults();
        private StateMachine<R> stateMachine;
        private LogStore logStore;
        private StableStore stableStore;
        private Transport transport;
        private RaftRuntime runtime;
        private SnapshotStore snapshotStore;
        private final java.util.EnumSet<Safeguard> disabled = java.util.EnumSet.noneOf(Safeguard.class);

        public Builder<R> id(String id) {
            this.id = id;
            return this;
        }

        public Builder<R> config(RaftConfig config) {
            this.config = config;
            return this;
        }

        public Builder<R> stateMachine(StateMachine<R> sm) {
            this.stateMachine = sm;
            return this;
        }

        public Builder<R> logStore(LogStore s) {
            this.logStore = s;
            return this;
        }

        public Builder<R> stableStore(StableStore s) {
            this.stableStore = s;
            return this;
        }

        /**
         * Where snapshots are kept; by default in memory (lost with the process). A node whose log store is
         * durable needs a durable snapshot store too: the log is compacted behind each snapshot, and a restart
         * without that snapshot refuses to start.
         */
        public Builder<R> snapshotStore(SnapshotStore s) {
            this.snapshotStore = s;
            return this;
        }

        public Builder<R> transport(Transport t) {
            this.transport = t;
            return this;
        }

        /**
         * Switches a {@link Safeguard} off: only for the simulator's control runs, which show what the safeguard
         * prevents. Never in production.
         */
        public Builder<R> withoutSafeguard(Safeguard safeguard) {
            disabled.add(Objects.requireNonNull(safeguard, "safeguard"));
            return this;
        }

        /** The environment (threads, clock, randomness); by default a {@link ThreadRuntime} owned by the node. */
        public Builder<R> runtime(RaftRuntime r) {
            this.runtime = r;
            return this;
        }

        public RaftNode<R> build() {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(stateMachine, "stateMachine");
            Objects.requireNonNull(logStore, "logStore");
            Objects.requireNonNull(stableStore, "stableStore");
            Objects.requireNonNull(transport, "transport");
            if (id.isEmpty() || id.length() > 255) {
                throw new IllegalArgumentException("node id must be 1..255 characters");
            }
            if (snapshotStore == null) {
                snapshotStore = new InMemorySnapshotStore();
            }
            return new RaftNode<>(this);
        }
    }
}
