package io.tally.raft.node;

import io.tally.raft.BootstrapException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftConfig;
import io.tally.raft.core.RaftCore;
import io.tally.raft.core.SnapshotPoint;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Entry;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.storage.SnapshotMeta;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The Raft loop: one thread of control owns the {@link RaftCore}. Every input reaches it as a {@link LoopEvent}
 * through one multi-producer queue and is handled in batches of up to {@code maxBatch}; after each batch the core's
 * output is carried out once ({@link OutputRouter}), so that proposals that queued together become one
 * AppendEntries per follower and one write. No lock guards Raft state: only this loop touches the core.
 *
 * @param <R> the state machine's result type
 */
final class RaftLoop<R> {

    /** One line per snapshot taken or installed, with its term and index (docs/operations.md, "Logs"). */
    private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);

    private final String id;
    private final RaftConfig config;
    private final RaftRuntime runtime;
    private final SerialExecutor executor;
    private final LoopRequests<R> requests;
    private final OutputRouter<R> router;
    private final Applier<R> applier;
    private final Consumer<RuntimeException> onFatal;
    private final ConcurrentLinkedQueue<LoopEvent> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile NodeStatus status;
    private RaftRuntime.Cancellable tickTimer;
    /** Loop-owned; set once by {@link #start}. */
    private RaftCore core;

    RaftLoop(String id, RaftConfig config, RaftRuntime runtime, SerialExecutor executor, LoopRequests<R> requests,
             OutputRouter<R> router, Applier<R> applier, Consumer<RuntimeException> onFatal) {
        this.id = id;
        this.config = config;
        this.runtime = runtime;
        this.executor = executor;
        this.requests = requests;
        this.router = router;
        this.applier = applier;
        this.onFatal = onFatal;
        this.status = NodeStatus.initial(id);
    }

    /** Takes over the recovered core and starts ticking. */
    void start(RaftCore recovered) {
        this.core = recovered;
        publishStatus();
        scheduleTick();
    }

    RaftCore core() {
        return core;
    }

    NodeStatus status() {
        return status;
    }

    /** Queues an event; the loop runs when it is not running already. */
    void enqueue(LoopEvent event) {
        inbox.add(event);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    /**
     * Takes back an event queued by a caller that raced with {@link #abandonAll}: whoever removes it owns failing it.
     * Returns whether it was still queued.
     */
    boolean withdraw(LoopEvent event) {
        return inbox.remove(event);
    }

    private void scheduleTick() {
        tickTimer = runtime.schedule(config.tickInterval().toNanos(), TimeUnit.NANOSECONDS, () -> {
            if (!closed) {
                enqueue(LoopEvent.Tick.INSTANCE);
                scheduleTick();
            }
        });
    }

    private void drain() {
        try {
            int n = 0;
            LoopEvent ev;
            while (n < config.maxBatch() && !closed && (ev = inbox.poll()) != null) {
                ev.handle(this);
                n++;
            }
            if (!closed) {
                flush();
            }
        } catch (RuntimeException e) {
            onFatal.accept(e);
            return;
        } finally {
            scheduled.set(false);
        }
        if (!inbox.isEmpty() && !closed && scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void flush() {
        if (!core.hasOutput() && !requests.awaitingPersist()) {
            return;
        }
        core.endBatch();
        router.route(core.takeOutput(), core);
        publishStatus();
    }

    private void publishStatus() {
        if (closed) {
            status = status.shutDown();
            return;
        }
        status = new NodeStatus(id, NodeStatus.publicState(core.role()), core.leaderId(), core.term(),
                core.commitIndex(), core.lastIndex(), core.configuration(), core.configurationIndex(),
                core.committedConfiguration(), core.leaderCommitIndex());
    }

    // ---------------------------------------------------------------- events (loop thread)

    void onTick() {
        core.tick();
    }

    void onMessage(RaftMessage m) {
        core.step(m);
    }

    void onPersisted(long index, long term) {
        core.persisted(index, term);
    }

    @SuppressWarnings("unchecked")
    void propose(PendingOp<?> pending) {
        PendingOp<R> op = (PendingOp<R>) pending;
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
        requests.proposed(e.index(), e.term(), op);
    }

    void read(boolean lease, CompletableFuture<Long> f) {
        if (f.isDone()) {
            return;
        }
        long reqId = requests.read(f);
        if (lease) {
            core.leaseRead(reqId);
        } else {
            core.readIndex(reqId);
        }
    }

    void queryProgress(CompletableFuture<Map<String, Long>> f) {
        Map<String, Long> match = core.followerMatchIndexes();
        applier.completeLater(() -> f.complete(match));
    }

    void changeMembership(LoopEvent.Change c) {
        if (!c.future().isDone()) {
            core.changeConfiguration(requests.admin(c.future()), c.change(), c.expectedIndex(), c.timeout().toNanos());
        }
    }

    void transferLeadership(String target, CompletableFuture<String> f) {
        if (!f.isDone()) {
            core.transferLeadership(requests.admin(f), target);
        }
    }

    void bootstrap(Configuration configuration, CompletableFuture<Void> f) {
        try {
            core.bootstrap(configuration);
            // Completed once the bootstrap entry and term are durable: the router hands them to the writer first.
            requests.bootstrap(f);
        } catch (IllegalStateException | IllegalArgumentException e) {
            applier.completeLater(() -> f.completeExceptionally(new BootstrapException(e.getMessage())));
        }
    }

    void snapshotTaken(SnapshotMeta meta) {
        long compactTo = meta.lastIndex() - config.snapshots().trailingEntries();
        LOG.atInfo().addKeyValue("node", id).addKeyValue("term", meta.lastTerm()).addKeyValue("index", meta.lastIndex())
                .addKeyValue("bytes", meta.sizeBytes())
                .log("node {}: snapshot taken up to index {} (term {}, {} bytes); the log is compacted up to index {}",
                        id, meta.lastIndex(), meta.lastTerm(), meta.sizeBytes(), Math.max(0, compactTo));
        core.compact(compactTo);
    }

    void snapshotReceived(SnapshotReceiver.Received r) {
        SnapshotMeta m = r.meta();
        LOG.atInfo().addKeyValue("node", id).addKeyValue("term", m.lastTerm()).addKeyValue("index", m.lastIndex())
                .addKeyValue("bytes", m.sizeBytes()).addKeyValue("from", r.from())
                .log("node {}: snapshot up to index {} (term {}, {} bytes) received from leader {} in term {}; it "
                        + "replaces the state machine and the log before it", id, m.lastIndex(), m.lastTerm(),
                        m.sizeBytes(), r.from(), r.term());
        core.snapshotReceived(r.from(), r.term(), new SnapshotPoint(m.lastIndex(), m.lastTerm(), m.configuration()));
    }

    void snapshotSent(String peer, long lastIndex, boolean ok) {
        core.snapshotDone(peer, lastIndex, ok);
    }

    // ---------------------------------------------------------------- shutdown

    /** Stops handling events and ticking (any thread). */
    void close() {
        closed = true;
        if (tickTimer != null) {
            tickTimer.cancel();
        }
    }

    /** On the loop, at shutdown: everything still pending or queued goes to {@code abandoned}. */
    void abandonAll(Abandoned abandoned) {
        requests.abandonAll(abandoned);
        LoopEvent ev;
        while ((ev = inbox.poll()) != null) {
            ev.abandon(abandoned);
        }
        publishStatus();
    }
}
