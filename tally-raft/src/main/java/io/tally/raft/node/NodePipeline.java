package io.tally.raft.node;

import io.tally.raft.LeaderListener;
import io.tally.raft.NodeClosedException;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftTimeoutException;
import io.tally.raft.Safeguard;
import io.tally.raft.StateMachine;
import io.tally.raft.core.CoreClock;
import io.tally.raft.core.RaftCore;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.SnapshotAck;
import io.tally.raft.message.SnapshotChunk;
import io.tally.raft.runtime.ExecutorRole;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.runtime.ThreadRuntime;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;
import io.tally.raft.transport.Transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a node wired together, and their life: {@link Recovery} at start, then the path of a command —
 * {@link PendingRequests} admits it, the {@link RaftLoop} hands it to the core, the {@link OutputRouter} carries out
 * the core's answer through the {@link LogWriter} and the transport, the {@link Applier} applies it and completes the
 * caller's future — with the {@link SnapshotTaker}, {@link SnapshotSender} and {@link SnapshotReceiver} beside it.
 * At close, every part stops in order and every future still outstanding completes.
 *
 * @param <R> the state machine's result type
 */
final class NodePipeline<R> {

    private static final Logger LOG = LoggerFactory.getLogger(NodePipeline.class);

    private final String id;
    private final RaftConfig config;
    private final LogStore logStore;
    private final StableStore stableStore;
    private final SnapshotStore snapshotStore;
    private final Transport transport;
    private final RaftRuntime runtime;
    private final boolean ownsRuntime;
    private final Set<Safeguard> disabledSafeguards;

    private final SerialExecutor loopExecutor;
    private final LogWriter writer;
    private final SerialExecutor snapshotExecutor;
    /** Streams snapshots to and from peers; separate from writing snapshots, so neither waits on the other. */
    private final SerialExecutor transferExecutor;
    private final Applier<R> applier;
    private final SnapshotSender snapshotSender;
    private final SnapshotReceiver snapshotReceiver;
    private final RaftLoop<R> loop;
    private final PendingRequests requests;

    private final AtomicBoolean starting = new AtomicBoolean();
    private volatile boolean started;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Throwable fatal;

    NodePipeline(String id, RaftConfig config, StateMachine<R> stateMachine, LogStore logStore, StableStore stableStore,
                 SnapshotStore snapshotStore, Transport transport, RaftRuntime runtime, Set<Safeguard> disabledSafeguards,
                 List<LeaderListener> listeners) {
        this.id = id;
        this.config = config;
        this.logStore = logStore;
        this.stableStore = stableStore;
        this.snapshotStore = snapshotStore;
        this.transport = transport;
        this.ownsRuntime = runtime == null;
        this.runtime = runtime != null ? runtime : new ThreadRuntime("tally-" + id);
        this.disabledSafeguards = Set.copyOf(disabledSafeguards);
        this.loopExecutor = this.runtime.newExecutor(ExecutorRole.RAFT_LOOP);
        this.writer = new LogWriter(this.runtime.newExecutor(ExecutorRole.LOG_WRITER), logStore, stableStore, transport,
                (index, term) -> enqueue(new LoopEvent.Persisted(index, term)), this::fail);
        this.snapshotExecutor = this.runtime.newExecutor(ExecutorRole.SNAPSHOT_WRITER);
        this.transferExecutor = this.runtime.newExecutor(ExecutorRole.SNAPSHOT_TRANSFER);
        this.applier = new Applier<>(this.runtime.newExecutor(ExecutorRole.APPLY), stateMachine, config.maxApplyBatch(),
                listeners, this::fail, snapshotStore, snapshotExecutor, config.snapshots(),
                meta -> enqueue(new LoopEvent.SnapshotTaken(meta)));
        this.snapshotSender = new SnapshotSender(id, transferExecutor, this.runtime, snapshotStore, transport,
                config.snapshots(), (peer, lastIndex, ok) -> enqueue(new LoopEvent.SnapshotSent(peer, lastIndex, ok)));
        this.snapshotReceiver = new SnapshotReceiver(id, transferExecutor, snapshotStore, transport,
                received -> enqueue(new LoopEvent.SnapshotReceived(received)), this::fail);
        LoopRequests<R> loopRequests = new LoopRequests<>();
        this.loop = new RaftLoop<>(id, config, this.runtime, loopExecutor, loopRequests,
                new OutputRouter<>(id, config, transport, writer, applier, snapshotSender, loopRequests), applier, this::fail);
        this.requests = new PendingRequests(config.maxPendingRequests(), config.maxPendingBytes());
    }

    // ---------------------------------------------------------------- lifecycle

    void start() {
        if (closed) {
            throw new NodeClosedException("node " + id + " is closed");
        }
        if (!starting.compareAndSet(false, true)) {
            throw new IllegalStateException("node " + id + " already started");
        }
        RaftCore core;
        try {
            Recovery.Recovered r = Recovery.recover(id, stableStore, logStore, snapshotStore,
                    !disabledSafeguards.contains(Safeguard.SNAPSHOT_LOG_RECONCILIATION));
            if (r.snapshot().isPresent()) {
                applier.restoreAtStart(r.snapshot().get()); // §7: restore the newest snapshot, then replay the log after it
            }
            core = new RaftCore(id, config.core(), new CoreClock(config.tickInterval().toNanos(), runtime::nanoTime),
                    runtime.random(), r.hardState(), r.log());
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
        loop.start(core);
        transport.configurationChanged(core.configuration());
        transport.start(this::receive);
        LOG.debug("node {} started at term {} with {} log entries", id, core.term(), core.lastIndex());
    }

    void close() {
        shutdown(null);
    }

    private void fail(Throwable cause) {
        LOG.error("node {} stops: {}", id, cause.toString(), cause);
        shutdown(cause);
    }

    private void shutdown(Throwable cause) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        if (cause != null) {
            fatal = cause;
        }
        closed = true;
        loop.close();
        transport.close();
        NodeClosedException reason = cause == null ? new NodeClosedException("node " + id + " was closed")
                : new NodeClosedException("node " + id + " stopped after a fatal error: " + cause.getMessage(), cause);
        // Fail what is still pending on the loop (which owns it), through the applier so that callers'
        // callbacks run there; then stop the threads in order (each lets already-queued tasks run).
        loopExecutor.execute(() -> {
            Abandoned abandoned = new Abandoned();
            loop.abandonAll(abandoned);
            applier.fail(abandoned.ops, reason);
            applier.failAll(abandoned.futures, reason);
            applier.failSnapshotRequests(reason);
        });
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

    // ---------------------------------------------------------------- inputs

    /** From the transport: snapshot streaming is I/O and runs off the loop; the core sees only finished snapshots. */
    private void receive(RaftMessage m) {
        if (closed) {
            return;
        }
        if (m instanceof SnapshotChunk c) {
            snapshotReceiver.onChunk(c);
        } else if (m instanceof SnapshotAck a) {
            snapshotSender.onAck(a);
        } else {
            enqueue(new LoopEvent.Received(m));
        }
    }

    private void enqueue(LoopEvent event) {
        loop.enqueue(event);
    }

    /** Admits a caller's request carrying {@code bytes} of command ({@link PendingRequests}) and queues its event. */
    void submit(LoopEvent event, CompletableFuture<?> f, long bytes) {
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
        if (closed && loop.withdraw(event)) {
            f.completeExceptionally(new NodeClosedException("node " + id + " is closed"));
        }
    }

    /** Fails {@code f} with {@link RaftTimeoutException} after {@code timeout} (null: never), on the apply thread. */
    void withTimeout(CompletableFuture<?> f, Duration timeout) {
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

    /** Takes a snapshot of what is applied ({@link SnapshotTaker}); the future completes once it is durable. */
    void snapshot(CompletableFuture<SnapshotMeta> f) {
        if (closed) {
            f.completeExceptionally(new NodeClosedException("node " + id + " is closed"));
        } else if (!started) {
            f.completeExceptionally(new IllegalStateException("node " + id + " is not started"));
        } else if (requests.admit(f, 0)) {
            applier.requestSnapshot(f);
        }
    }

    // ---------------------------------------------------------------- queries (any thread)

    NodeStatus status() {
        return loop.status();
    }

    RaftRuntime runtime() {
        return runtime;
    }

    long appliedIndex() {
        return applier.appliedIndex();
    }

    Throwable fatal() {
        return fatal;
    }
}
