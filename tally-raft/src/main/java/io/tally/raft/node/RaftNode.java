package io.tally.raft.node;

import io.tally.raft.BootstrapException;
import io.tally.raft.ClusterChangeException;
import io.tally.raft.LeaderChange;
import io.tally.raft.LeaderListener;
import io.tally.raft.LeadershipLostException;
import io.tally.raft.Membership;
import io.tally.raft.NodeClosedException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.RaftTimeoutException;
import io.tally.raft.StateMachine;
import io.tally.raft.Safeguard;

import io.tally.raft.core.AdminResult;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.core.CoreClock;
import io.tally.raft.model.Member;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.HardState;
import io.tally.raft.core.Output;
import io.tally.raft.core.RaftCore;
import io.tally.raft.core.ReadState;
import io.tally.raft.core.RaftLog;
import io.tally.raft.core.RoleChange;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.runtime.ThreadRuntime;
import io.tally.raft.core.SnapshotPoint;
import io.tally.raft.message.SnapshotAck;
import io.tally.raft.message.SnapshotChunk;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;
import io.tally.raft.transport.Transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Raft node: the runtime that drives the pure {@link RaftCore}.
 *
 * <p>Threads of control (each a {@link SerialExecutor} from the {@link RaftRuntime}):
 * <ul>
 *   <li>the <b>Raft loop</b> owns the core; every input (messages, ticks, proposals, persistence acks)
 *       reaches it through one multi-producer queue, drained in batches; no lock guards Raft state;</li>
 *   <li>the <b>log writer</b> ({@link LogWriter}) persists each batch with one sync and then releases the
 *       messages that had to wait for it; the leader replicates while its own write is in flight;</li>
 *   <li>the <b>applier</b> ({@link Applier}) applies committed entries to the state machine in batches and
 *       completes futures; all user code (state machine, listeners, future callbacks) runs there.</li>
 * </ul>
 *
 * @param <R> the state machine's result type
 */
public final class RaftNode<R> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    private final String id;
    private final RaftConfig config;
    private final LogStore logStore;
    private final StableStore stableStore;
    private final Transport transport;
    private final RaftRuntime runtime;
    private final boolean ownsRuntime;
    private final java.util.Set<Safeguard> disabledSafeguards;

    private final SerialExecutor loopExecutor;
    private final LogWriter writer;
    private final Applier<R> applier;
    private final SnapshotStore snapshotStore;
    private final SerialExecutor snapshotExecutor;
    /** Streams snapshots to and from peers; separate from writing snapshots, so neither waits on the other. */
    private final SerialExecutor transferExecutor;
    private final SnapshotSender snapshotSender;
    private final SnapshotReceiver snapshotReceiver;

    private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
    /** Every caller's future not yet completed: admission (back-pressure) and failure at close. */
    private final PendingRequests requests;
    private final AtomicBoolean loopScheduled = new AtomicBoolean();
    private final CopyOnWriteArrayList<LeaderListener> listeners = new CopyOnWriteArrayList<>();

    /** Loop-owned. */
    private RaftCore core;
    /** Loop-owned: proposals awaiting commit, by log index. */
    private final Map<Long, PendingOp<R>> pending = new HashMap<>();
    /** Read requests handed to the core and not yet answered (loop only), by request id. */
    private final Map<Long, CompletableFuture<Long>> pendingReads = new HashMap<>();
    private long readSeq;
    /** Membership changes and leadership transfers handed to the core and not yet answered (loop only), by request id. */
    private final Map<Long, CompletableFuture<?>> pendingAdmin = new HashMap<>();
    private long adminSeq;
    /** Loop-owned: bootstrap futures to complete once the current batch is durable. */
    private final List<CompletableFuture<Void>> awaitingPersist = new ArrayList<>();
    /** Every bootstrap future, so that shutdown can fail the unfinished ones (completing twice is a no-op). */
    private final List<CompletableFuture<?>> bootstraps = new java.util.concurrent.CopyOnWriteArrayList<>();

    private volatile NodeStatus status;
    private final AtomicBoolean starting = new AtomicBoolean();
    private volatile boolean started;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Throwable fatal;
    private RaftRuntime.Cancellable tickTimer;

    private RaftNode(Builder<R> b) {
        this.id = b.id;
        this.config = b.config;
        this.logStore = b.logStore;
        this.stableStore = b.stableStore;
        this.transport = b.transport;
        this.ownsRuntime = b.runtime == null;
        this.disabledSafeguards = java.util.Set.copyOf(b.disabled);
        this.runtime = b.runtime != null ? b.runtime : new ThreadRuntime("tally-" + b.id);
        this.loopExecutor = runtime.newExecutor("raft-loop");
        this.writer = new LogWriter(runtime.newExecutor("log-writer"), logStore, stableStore, transport,
                this::onPersisted, this::fail);
        this.snapshotStore = b.snapshotStore;
        this.snapshotExecutor = runtime.newExecutor("snapshot-writer");
        this.transferExecutor = runtime.newExecutor("snapshot-transfer");
        this.applier = new Applier<>(runtime.newExecutor("apply"), b.stateMachine, config.maxApplyBatch(),
                listeners, this::fail, snapshotStore, snapshotExecutor, config.snapshots(),
                meta -> enqueue(new SnapshotTaken(meta)));
        this.snapshotSender = new SnapshotSender(id, transferExecutor, runtime, snapshotStore, transport, config.snapshots(),
                (peer, lastIndex, ok) -> enqueue(new SnapshotSent(peer, lastIndex, ok)));
        this.snapshotReceiver = new SnapshotReceiver(id, transferExecutor, snapshotStore, transport,
                received -> enqueue(received), this::fail);
        this.status = NodeStatus.initial(id);
        this.requests = new PendingRequests(config.maxPendingRequests(), config.maxPendingBytes());
    }

    public static <R> Builder<R> builder() {
        return new Builder<>();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Recovers the node's state from its stores and starts taking part in the cluster. A node with empty
     * stores waits to be bootstrapped ({@link #bootstrap}) or to be contacted by a leader.
     *
     * @throws UncheckedIOException when the stores cannot be read
     */
    public void start() {
        if (closed) {
            throw new NodeClosedException("node " + id + " is closed");
        }
        if (!starting.compareAndSet(false, true)) {
            throw new IllegalStateException("node " + id + " already started");
        }
        try {
            Recovery.Recovered r = Recovery.recover(id, stableStore, logStore, snapshotStore,
                    !disabledSafeguards.contains(Safeguard.SNAPSHOT_LOG_RECONCILIATION));
            if (r.snapshot().isPresent()) {
                applier.restoreAtStart(r.snapshot().get()); // §7: restore the newest snapshot, then replay the log after it
            }
            HardState hs = r.hardState();
            RaftLog log = r.log();
            core = new RaftCore(id, config.core(), new CoreClock(config.tickInterval().toNanos(), runtime::nanoTime),
                    runtime.random(), hs, log);
            if (disabledSafeguards.contains(Safeguard.START_VOTE_LEASE)) {
                core.dropStartVoteLease();
            }
        } catch (IOException | RuntimeException e) {
            shutdown(null); // release the threads made for this node
            if (e instanceof IOException io) {
                throw new UncheckedIOException("node " + id + " cannot recover its state: " + e.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
        started = true;
        publishStatus();
        transport.configurationChanged(core.configuration());
        transport.start(this::receive);
        scheduleTick();
        LOG.debug("node {} started at term {} with {} log entries", id, core.term(), core.lastIndex());
    }

    /**
     * Bootstraps a new cluster with this configuration. Call it on every initial member (with the same
     * configuration) after {@link #start()}; it fails with {@link BootstrapException} on a node that already
     * has state, which makes it safe to call on every start.
     */
    public CompletableFuture<Void> bootstrap(Configuration configuration) {
        Objects.requireNonNull(configuration, "configuration");
        CompletableFuture<Void> f = new CompletableFuture<>();
        submit(new BootstrapRequest(configuration, f), f);
        return f;
    }

    /** Stops the node and releases its threads. Pending requests fail with {@link NodeClosedException}. */
    @Override
    public void close() {
        shutdown(null);
    }

    private void shutdown(Throwable cause) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        if (cause != null) {
            fatal = cause;
        }
        closed = true;
        if (tickTimer != null) {
            tickTimer.cancel();
        }
        transport.close();
        NodeClosedException reason = cause == null ? new NodeClosedException("node " + id + " was closed")
                : new NodeClosedException("node " + id + " stopped after a fatal error: " + cause.getMessage(), cause);
        // Fail what is still pending on the loop (which owns it), through the applier so that callers'
        // callbacks run there; then stop the threads in order (each lets already-queued tasks run).
        loopExecutor.execute(() -> failEverythingPending(reason));
        loopExecutor.close();
        writer.close();
        snapshotReceiver.close();
        snapshotSender.cancelAll();
        transferExecutor.close();
        applier.close();
        snapshotExecutor.close(); // after the applier: a write in progress still completes its callers
        // Whatever is still outstanding — a confirmed read parked until the applier reached its index, a completion
        // a closed executor dropped, a request the loop never saw — fails now, on this thread: every future completes.
        requests.closeAll(reason);
        if (ownsRuntime && runtime instanceof ThreadRuntime t) {
            t.close();
        }
    }

    /** On the loop, at shutdown: every request still pending or queued fails with {@code reason}. */
    private void failEverythingPending(NodeClosedException reason) {
        List<PendingOp<R>> ops = new ArrayList<>(pending.values());
        pending.clear();
        List<CompletableFuture<?>> others = new ArrayList<>(bootstraps);
        others.addAll(pendingReads.values());
        pendingReads.clear();
        others.addAll(pendingAdmin.values());
        pendingAdmin.clear();
        Object ev;
        while ((ev = inbox.poll()) != null) {
            if (ev instanceof Request<?> r) {
                @SuppressWarnings("unchecked")
                PendingOp<R> op = (PendingOp<R>) r.op();
                ops.add(op);
            } else if (ev instanceof BootstrapRequest b) {
                others.add(b.future());
            } else if (ev instanceof ReadRequest r) {
                others.add(r.future());
            } else if (ev instanceof ProgressQuery q) {
                others.add(q.future());
            } else if (ev instanceof ChangeRequest c) {
                others.add(c.future());
            } else if (ev instanceof TransferRequest t) {
                others.add(t.future());
            }
        }
        applier.fail(ops, reason);
        applier.failAll(others, reason);
        applier.failSnapshotRequests(reason);
        publishStatus();
    }

    private void fail(Throwable cause) {
        LOG.error("node {} stops: {}", id, cause.toString(), cause);
        shutdown(cause);
    }

    // ---------------------------------------------------------------- API

    /** Proposes a command; the future completes with the state machine's result once it is applied here. */
    public CompletableFuture<R> apply(byte[] command) {
        return apply(command, null);
    }

    /**
     * Proposes a command with a timeout. The future fails with {@link NotLeaderException} when this node is
     * not the leader, {@link LeadershipLostException} or {@link RaftTimeoutException} when the outcome is
     * unknown, and {@link NodeClosedException} when the node stops.
     */
    public CompletableFuture<R> apply(byte[] command, Duration timeout) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<R> f = new CompletableFuture<>();
        submit(new Request<>(new PendingOp<>(EntryType.COMMAND, command.clone(), f)), f, command.length);
        withTimeout(f, timeout);
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
        submit(new Request<>(PendingOp.barrier(f)), f);
        withTimeout(f, timeout);
        return f;
    }

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
     * Like {@link #readIndex}, but served without a heartbeat round while the leader lease holds (thesis
     * §6.4.1; CheckQuorum must be on). Linearizable only if clocks drift by less than the configured margin
     * ({@link io.tally.raft.core.CoreConfig#leaseDriftTicks}); falls back to ReadIndex when the lease lapsed.
     */
    public CompletableFuture<Long> leaseRead(Duration timeout) {
        return read(true, timeout);
    }

    /**
     * On the leader, each follower's match index (how far its log is known to match the leader's; the
     * difference to {@link #lastLogIndex()} is its replication lag); empty on other nodes. Computed by the Raft
     * loop only when asked, for monitoring.
     */
    public CompletableFuture<Map<String, Long>> replicationProgress() {
        CompletableFuture<Map<String, Long>> f = new CompletableFuture<>();
        submit(new ProgressQuery(f), f);
        return f;
    }

    private CompletableFuture<Long> read(boolean lease, Duration timeout) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        submit(new ReadRequest(lease, f), f);
        withTimeout(f, timeout);
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
        if (closed) {
            f.completeExceptionally(new NodeClosedException("node " + id + " is closed"));
        } else if (!started) {
            f.completeExceptionally(new IllegalStateException("node " + id + " is not started"));
        } else if (requests.admit(f, 0)) {
            applier.requestSnapshot(f);
        }
        return f;
    }

    // ---------------------------------------------------------------- membership and leadership

    /** Default time a membership change may take (catch-up of a new voter included). */
    public static final Duration DEFAULT_CHANGE_TIMEOUT = Duration.ofMinutes(10);

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
        long ticks = Math.max(1, (t.toNanos() + config.tickInterval().toNanos() - 1) / config.tickInterval().toNanos());
        CompletableFuture<Membership> f = new CompletableFuture<>();
        submit(new ChangeRequest(change, expectedIndex, (int) Math.min(Integer.MAX_VALUE, ticks), f), f);
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
        submit(new TransferRequest(target, f), f);
        return f;
    }

    /** The membership in force on this node (possibly not yet committed) with its index. */
    public Membership membership() {
        NodeStatus s = status;
        return new Membership(s.configurationIndex(), s.configuration());
    }

    public String id() {
        return id;
    }

    public RaftState state() {
        return status.state();
    }

    /** The leader this node knows of, if any. */
    public Optional<String> leader() {
        return Optional.ofNullable(status.leader());
    }

    public long term() {
        return status.term();
    }

    public long commitIndex() {
        return status.commitIndex();
    }

    public long appliedIndex() {
        return applier.appliedIndex();
    }

    public long lastLogIndex() {
        return status.lastLogIndex();
    }

    /** The latest configuration in this node's log (in force, possibly uncommitted). */
    public Configuration configuration() {
        return status.configuration();
    }

    /** The latest configuration at or below this node's commit index. */
    public Configuration committedConfiguration() {
        return status.committedConfiguration();
    }

    /** A consistent snapshot of the node's externally visible state, published after every loop batch. */
    public NodeStatus status() {
        return status;
    }

    /** The error that stopped the node, if it stopped after one. */
    public Optional<Throwable> fatalError() {
        return Optional.ofNullable(fatal);
    }

    /** Observes leader changes; called on the apply thread. */
    public void addLeaderListener(LeaderListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeLeaderListener(LeaderListener listener) {
        listeners.remove(listener);
    }

    // ---------------------------------------------------------------- inputs to the loop

    private void receive(RaftMessage m) {
        if (closed) {
            return;
        }
        // Snapshot streaming is I/O: it runs on the snapshot executor; the core sees only the finished snapshot.
        if (m instanceof SnapshotChunk c) {
            snapshotReceiver.onChunk(c);
        } else if (m instanceof SnapshotAck a) {
            snapshotSender.onAck(a);
        } else {
            enqueue(m);
        }
    }

    private void submit(Object event, CompletableFuture<?> f) {
        submit(event, f, 0);
    }

    /** Admits a request of {@code bytes} bytes of command ({@link PendingRequests}) and hands it to the loop. */
    private void submit(Object event, CompletableFuture<?> f, long bytes) {
        if (closed) {
            f.completeExceptionally(new NodeClosedException("node " + id + " is closed"));
            return;
        }
        if (!started) {
            f.completeExceptionally(new IllegalStateException("node " + id + " is not started"));
            return;
        }
        if (!requests.admit(f, bytes)) {
            return; // overloaded or closed: failed at once, nothing queued
        }
        enqueue(event);
        // close() may have drained the inbox between the check above and the enqueue: then nobody else
        // will see this request. Whoever removes it from the inbox owns failing it.
        if (closed && inbox.remove(event)) {
            f.completeExceptionally(new NodeClosedException("node " + id + " is closed"));
        }
    }

    private void withTimeout(CompletableFuture<?> f, Duration timeout) {
        if (timeout == null || f.isDone()) {
            return;
        }
        RaftRuntime.Cancellable t;
        try {
            t = runtime.schedule(timeout.toNanos(), TimeUnit.NANOSECONDS, () -> applier.completeLater(() ->
                    f.completeExceptionally(new RaftTimeoutException("node " + id + ": no result within " + timeout
                            + "; if the request was proposed its outcome is unknown"))));
        } catch (RejectedExecutionException e) {
            return; // the node is closing: the request fails with NodeClosedException
        }
        f.whenComplete((r, e) -> t.cancel());
    }

    private void scheduleTick() {
        tickTimer = runtime.schedule(config.tickInterval().toNanos(), TimeUnit.NANOSECONDS, () -> {
            if (!closed) {
                enqueue(Tick.INSTANCE);
                scheduleTick();
            }
        });
    }

    private void onPersisted(long index, long term) {
        enqueue(new Persisted(index, term));
    }

    private void enqueue(Object event) {
        inbox.add(event);
        if (loopScheduled.compareAndSet(false, true)) {
            loopExecutor.execute(this::drain);
        }
    }

    // ---------------------------------------------------------------- the Raft loop

    private void drain() {
        try {
            int n = 0;
            Object ev;
            while (n < config.maxBatch() && !closed && (ev = inbox.poll()) != null) {
                handle(ev);
                n++;
            }
            if (!closed) {
                flush();
            }
        } catch (RuntimeException e) {
            fail(e);
            return;
        } finally {
            loopScheduled.set(false);
        }
        if (!inbox.isEmpty() && !closed && loopScheduled.compareAndSet(false, true)) {
            loopExecutor.execute(this::drain);
        }
    }

    private void handle(Object ev) {
        if (ev instanceof RaftMessage m) {
            core.step(m);
        } else if (ev == Tick.INSTANCE) {
            core.tick();
        } else if (ev instanceof Persisted p) {
            core.persisted(p.index(), p.term());
        } else if (ev instanceof Request<?> r) {
            @SuppressWarnings("unchecked")
            PendingOp<R> op = (PendingOp<R>) r.op();
            propose(op);
        } else if (ev instanceof ReadRequest r) {
            if (!r.future().isDone()) {
                long reqId = ++readSeq;
                pendingReads.put(reqId, r.future());
                if (r.lease()) {
                    core.leaseRead(reqId);
                } else {
                    core.readIndex(reqId);
                }
            }
        } else if (ev instanceof ProgressQuery q) {
            Map<String, Long> match = core.followerMatchIndexes();
            applier.completeLater(() -> q.future().complete(match));
        } else if (ev instanceof ChangeRequest c) {
            if (!c.future().isDone()) {
                long reqId = ++adminSeq;
                pendingAdmin.put(reqId, c.future());
                core.changeConfiguration(reqId, c.change(), c.expectedIndex(), c.timeoutTicks());
            }
        } else if (ev instanceof TransferRequest t) {
            if (!t.future().isDone()) {
                long reqId = ++adminSeq;
                pendingAdmin.put(reqId, t.future());
                core.transferLeadership(reqId, t.target());
            }
        } else if (ev instanceof BootstrapRequest b) {
            bootstrapOnLoop(b);
        } else if (ev instanceof SnapshotTaken t) {
            core.compact(t.meta().lastIndex() - config.snapshots().trailingEntries());
        } else if (ev instanceof SnapshotReceiver.Received r) {
            SnapshotMeta m = r.meta();
            core.snapshotReceived(r.from(), r.term(), new SnapshotPoint(m.lastIndex(), m.lastTerm(), m.configuration()));
        } else if (ev instanceof SnapshotSent s) {
            core.snapshotDone(s.peer(), s.lastIndex(), s.ok());
        } else {
            throw new IllegalStateException("unknown event " + ev);
        }
    }

    private void propose(PendingOp<R> op) {
        if (op.future().isDone()) {
            return; // timed out while queued: never proposed
        }
        Entry e = core.propose(op.type(), op.data());
        if (e == null) {
            applier.fail(List.of(op), core.transferringLeadership()
                    ? new NotLeaderException(id, null, "leadership is being transferred")
                    : new NotLeaderException(id, core.leaderId()));
            return;
        }
        pending.put(e.index(), op.proposedAs(e.term()));
    }

    private void bootstrapOnLoop(BootstrapRequest b) {
        try {
            core.bootstrap(b.configuration());
            // Completed once the bootstrap entry and term are durable: flush() hands them to the writer first.
            bootstraps.add(b.future());
            awaitingPersist.add(b.future());
        } catch (IllegalStateException | IllegalArgumentException e) {
            applier.completeLater(() -> b.future().completeExceptionally(new BootstrapException(e.getMessage())));
        }
    }

    private void flush() {
        if (!core.hasOutput() && awaitingPersist.isEmpty()) {
            return;
        }
        Output o = core.takeOutput();
        for (RaftMessage m : o.messages()) {
            transport.send(m);
        }
        if (o.needsWriter()) {
            writer.submit(o);
        }
        if (o.restore() != null) {
            applier.restore(o.restore()); // before the entries that follow the snapshot
        }
        for (String peer : o.snapshotSends()) {
            // A member being caught up gets its snapshot at the pace of its log entries (CoreConfig.learnerBytesPerTick).
            long paced = core.configuration().isVoter(peer) ? 0
                    : config.core().learnerBytesPerTick() * 1_000_000_000L / config.tickInterval().toNanos();
            snapshotSender.start(peer, core.term(), paced);
        }
        for (CompletableFuture<Void> f : awaitingPersist) {
            writer.afterPendingWrites(() -> applier.completeLater(() -> f.complete(null)));
        }
        awaitingPersist.clear();
        if (!o.committed().isEmpty()) {
            applier.submit(o.committed(), takePending(o.committed()));
        }
        for (ReadState rs : o.reads()) {
            CompletableFuture<Long> f = pendingReads.remove(rs.requestId());
            if (f == null) {
                continue;
            }
            if (rs.ok()) {
                applier.whenApplied(rs.index(), () -> f.complete(rs.index()));
            } else {
                NotLeaderException e = new NotLeaderException(id, core.leaderId());
                applier.completeLater(() -> f.completeExceptionally(e));
            }
        }
        for (AdminResult r : o.admin()) {
            completeAdmin(r);
        }
        if (!o.roleChanges().isEmpty()) {
            onRoleChanges(o.roleChanges());
        }
        if (o.configurationChanged()) {
            transport.configurationChanged(core.configuration());
        }
        publishStatus();
    }

    /** Completes a membership change or transfer on the apply thread (after the entries applied before it). */
    @SuppressWarnings("unchecked")
    private void completeAdmin(AdminResult r) {
        CompletableFuture<Object> f = (CompletableFuture<Object>) pendingAdmin.remove(r.requestId());
        if (f == null) {
            return;
        }
        Object value = null;
        Throwable error = null;
        switch (r.status()) {
            case OK -> value = r.configuration() != null ? new Membership(r.index(), r.configuration()) : r.detail();
            case NOT_LEADER -> error = new NotLeaderException(id, core.leaderId());
            case INVALID -> error = new ClusterChangeException(ClusterChangeException.Kind.INVALID, r.detail());
            case CONFLICT -> error = new ClusterChangeException(ClusterChangeException.Kind.CONFLICT, r.detail());
            case FAILED -> error = new ClusterChangeException(ClusterChangeException.Kind.FAILED, r.detail());
            case UNKNOWN -> error = new ClusterChangeException(ClusterChangeException.Kind.UNKNOWN, r.detail());
        }
        Object v = value;
        Throwable err = error;
        applier.completeLater(() -> {
            if (err != null) {
                f.completeExceptionally(err);
            } else {
                f.complete(v);
            }
        });
    }

    private List<PendingOp<R>> takePending(List<Entry> committed) {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<PendingOp<R>> ops = new ArrayList<>();
        List<PendingOp<R>> superseded = new ArrayList<>();
        for (Entry e : committed) {
            PendingOp<R> op = pending.remove(e.index());
            if (op == null) {
                continue;
            }
            if (op.term() == e.term()) {
                ops.add(op.at(e.index()));
            } else {
                superseded.add(op);
            }
        }
        if (!superseded.isEmpty()) {
            applier.fail(superseded, new LeadershipLostException("node " + id + ": the proposal was overwritten by a later leader"));
        }
        return ops;
    }

    private void onRoleChanges(List<RoleChange> changes) {
        RoleChange last = changes.get(changes.size() - 1);
        if (last.role() != io.tally.raft.core.Role.LEADER) {
            snapshotSender.cancelAll();
        }
        if (last.role() != io.tally.raft.core.Role.LEADER && !pending.isEmpty()) {
            // hashicorp/raft's ErrLeadershipLost: the entries may still commit under a later leader.
            List<PendingOp<R>> lost = new ArrayList<>(pending.values());
            pending.clear();
            applier.fail(lost, new LeadershipLostException("node " + id + " lost leadership (term " + last.term()
                    + "); the outcome of the request is unknown"));
        }
        List<LeaderChange> events = new ArrayList<>(changes.size());
        for (RoleChange c : changes) {
            events.add(new LeaderChange(id, c.term(), c.leaderId(), NodeStatus.publicState(c.role())));
        }
        applier.notifyListeners(events);
    }

    private void publishStatus() {
        if (closed) {
            status = status.shutDown();
            return;
        }
        status = new NodeStatus(id, NodeStatus.publicState(core.role()), core.leaderId(), core.term(),
                core.commitIndex(), core.lastIndex(), core.configuration(), core.configurationIndex(),
                core.committedConfiguration());
    }

    // ---------------------------------------------------------------- loop events

    private enum Tick { INSTANCE }

    private record Persisted(long index, long term) {
    }

    private record Request<T>(PendingOp<T> op) {
    }

    private record ReadRequest(boolean lease, CompletableFuture<Long> future) {
    }

    private record ProgressQuery(CompletableFuture<Map<String, Long>> future) {
    }

    private record ChangeRequest(ConfigChange change, long expectedIndex, int timeoutTicks,
                                 CompletableFuture<Membership> future) {
    }

    private record TransferRequest(String target, CompletableFuture<String> future) {
    }

    private record BootstrapRequest(Configuration configuration, CompletableFuture<Void> future) {
    }

    private record SnapshotTaken(SnapshotMeta meta) {
    }

    private record SnapshotSent(String peer, long lastIndex, boolean ok) {
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
