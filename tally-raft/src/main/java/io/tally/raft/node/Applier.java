package io.tally.raft.node;

import io.tally.raft.LeaderChange;
import io.tally.raft.LeaderListener;
import io.tally.raft.NodeClosedException;
import io.tally.raft.RaftConfig;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.core.SnapshotPoint;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.runtime.SerialExecutor;

import java.util.ArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apply loop: feeds committed entries to the user's state machine in batches, in log order, and
 * completes the callers' futures. Every piece of user code — state machine, future callbacks, leader
 * listeners — runs on this executor, never on the Raft loop.
 *
 * <p>Invariant: entries arrive in index order without gaps; {@link #appliedIndex()} only grows.
 */
final class Applier<R> {

    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    private final SerialExecutor executor;
    private final StateMachine<R> stateMachine;
    private final int maxBatch;
    private final List<LeaderListener> listeners;
    private final Consumer<Throwable> onFatal;
    private volatile long appliedIndex;
    /** Set when the state machine failed; later work fails its callers with it instead of applying. */
    private volatile Throwable failure;
    private final Object closeLock = new Object();
    private boolean closed;
    private final SnapshotStore snapshotStore;
    private final SnapshotTaker snapshots;
    // What the state machine reflects (apply thread): the term and configuration at appliedIndex.
    private long appliedTerm;
    private Configuration appliedConfig = Configuration.EMPTY;

    /** Actions waiting for the applied index to reach theirs (apply thread only): reads after ReadIndex. */
    private record Waiter(long index, Runnable action) {
    }

    private final java.util.PriorityQueue<Waiter> waiters =
            new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Waiter::index));

    public Applier(SerialExecutor executor, StateMachine<R> stateMachine, int maxBatch, List<LeaderListener> listeners,
                   Consumer<Throwable> onFatal, SnapshotStore snapshotStore, SerialExecutor snapshotExecutor,
                   RaftConfig.SnapshotPolicy policy, Consumer<SnapshotMeta> onSnapshotTaken) {
        this.executor = executor;
        this.stateMachine = stateMachine;
        this.maxBatch = maxBatch;
        this.listeners = listeners;
        this.onFatal = onFatal;
        this.snapshotStore = snapshotStore;
        this.snapshots = new SnapshotTaker(stateMachine, snapshotStore, snapshotExecutor, policy, this::runOrInline,
                onSnapshotTaken, this::fatal);
    }

    /**
     * At start, before any apply: restores the state machine from the newest snapshot, on the caller's thread.
     * Applies then continue from its last index + 1 (§7).
     */
    public void restoreAtStart(SnapshotMeta meta) throws IOException {
        try (InputStream in = snapshotStore.open(meta)) {
            stateMachine.restore(in);
        }
        positionAt(meta.lastIndex(), meta.lastTerm(), meta.configuration());
    }

    /** Restores the state machine from a snapshot received from the leader, in order with applies. */
    public void restore(SnapshotPoint p) {
        executor.execute(() -> {
            if (failure != null) {
                return;
            }
            try {
                SnapshotMeta meta = null;
                for (SnapshotMeta m : snapshotStore.list()) {
                    if (m.lastIndex() == p.index() && m.lastTerm() == p.term()) {
                        meta = m;
                        break;
                    }
                }
                if (meta == null) {
                    throw new IOException("snapshot " + p.index() + "/" + p.term() + " is not in the snapshot store");
                }
                try (InputStream in = snapshotStore.open(meta)) {
                    stateMachine.restore(in);
                }
                positionAt(p.index(), p.term(), p.configuration());
            } catch (IOException | RuntimeException e) {
                fatal(e);
            }
        });
    }

    private void positionAt(long index, long term, Configuration config) {
        appliedIndex = index;
        appliedTerm = term;
        appliedConfig = config;
        snapshots.restoredAt(index);
        releaseWaiters();
    }

    private SnapshotTaker.Position position() {
        return new SnapshotTaker.Position(appliedIndex, appliedTerm, appliedConfig);
    }

    /**
     * Runs {@code action} on the apply thread once everything up to {@code index} is applied (at once if it
     * already is). User code (the action) runs here like every other completion.
     */
    public void whenApplied(long index, Runnable action) {
        runOrInline(() -> {
            if (appliedIndex >= index) {
                action.run();
            } else {
                waiters.add(new Waiter(index, action));
            }
        });
    }

    private void releaseWaiters() {
        while (!waiters.isEmpty() && waiters.peek().index() <= appliedIndex) {
            waiters.poll().action().run();
        }
    }

    /** Index of the newest snapshot this node took or restored. */
    public long snapshotIndex() {
        return snapshots.snapshotIndex();
    }

    /** Takes a snapshot now (of everything applied so far); the future completes once it is durable. */
    public void requestSnapshot(CompletableFuture<SnapshotMeta> f) {
        runOrInline(() -> snapshots.request(f, position(), failure != null || closed()));
    }

    private boolean closed() {
        synchronized (closeLock) {
            return closed;
        }
    }

    /** At shutdown: every snapshot request still waiting fails with {@code cause}. */
    public void failSnapshotRequests(Throwable cause) {
        runOrInline(() -> snapshots.failRequests(cause));
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    /** Applies committed entries; {@code ops} are the local proposals among them, in index order. */
    public void submit(List<Entry> committed, List<PendingOp<R>> ops) {
        executor.execute(() -> apply(committed, ops));
    }

    public void fail(List<? extends PendingOp<?>> ops, Throwable cause) {
        runOrInline(() -> {
            for (PendingOp<?> op : ops) {
                op.fail(cause);
            }
        });
    }

    /** Fails arbitrary futures on the apply thread (completing an already completed future does nothing). */
    public void failAll(List<CompletableFuture<?>> futures, Throwable cause) {
        runOrInline(() -> {
            for (CompletableFuture<?> f : futures) {
                f.completeExceptionally(cause);
            }
        });
    }

    /**
     * Runs a completion on the apply thread; once the applier is closed (a fatal error stopped it before the
     * node's shutdown got here), on the caller's thread instead, so that no caller is left waiting. No lock is
     * held while the completion runs.
     */
    private void runOrInline(Runnable completion) {
        synchronized (closeLock) {
            if (!closed) {
                executor.execute(completion);
                return;
            }
        }
        completion.run();
    }

    /** Runs a completion on the apply thread, in order with applies. */
    public void completeLater(Runnable completion) {
        executor.execute(completion);
    }

    public void notifyListeners(List<LeaderChange> changes) {
        executor.execute(() -> {
            for (LeaderChange c : changes) {
                for (LeaderListener l : listeners) {
                    try {
                        l.onLeaderChange(c);
                    } catch (RuntimeException e) {
                        LOG.warn("leader listener failed", e);
                    }
                }
            }
        });
    }

    private void apply(List<Entry> committed, List<PendingOp<R>> ops) {
        if (failure != null) {
            failRemaining(ops, 0);
            return;
        }
        int opIdx = 0;
        for (int from = 0; from < committed.size(); from += maxBatch) {
            List<Entry> chunk = committed.subList(from, Math.min(committed.size(), from + maxBatch));
            if (chunk.get(0).index() != appliedIndex + 1) {
                fatal(new IllegalStateException("apply gap: applied " + appliedIndex + ", next entry " + chunk.get(0).index()));
                failRemaining(ops, opIdx);
                return;
            }
            List<StateMachine.Command> commands = new ArrayList<>();
            for (Entry e : chunk) {
                if (e.type() == EntryType.COMMAND) {
                    commands.add(new StateMachine.Command(e.index(), e.term(), e.data()));
                }
            }
            List<R> results;
            try {
                results = commands.isEmpty() ? List.of() : stateMachine.apply(commands);
                if (results == null || results.size() != commands.size()) {
                    throw new IllegalStateException("state machine returned " + (results == null ? "null" : results.size())
                            + " results for " + commands.size() + " commands");
                }
            } catch (RuntimeException e) {
                fatal(e);
                failRemaining(ops, opIdx);
                return;
            }
            int resultIdx = 0;
            for (Entry e : chunk) {
                Object result = null;
                if (e.type() == EntryType.COMMAND) {
                    result = results.get(resultIdx++);
                } else if (e.type() == EntryType.BARRIER) {
                    result = e.index();
                } else if (e.type() == EntryType.CONFIGURATION) {
                    appliedConfig = ConfigurationCodec.decode(e.data());
                }
                appliedTerm = e.term();
                snapshots.applied(e.sizeBytes());
                appliedIndex = e.index();
                if (opIdx < ops.size() && ops.get(opIdx).index() == e.index()) {
                    ops.get(opIdx++).complete(result);
                }
            }
        }
        releaseWaiters();
        snapshots.maybeTake(position());
    }

    void fatal(Throwable e) {
        failure = new NodeClosedException("the state machine failed and the node stopped: " + e, e);
        onFatal.accept(new IllegalStateException("state machine failed; the node must stop: " + e, e));
    }

    private void failRemaining(List<PendingOp<R>> ops, int from) {
        for (int i = from; i < ops.size(); i++) {
            ops.get(i).fail(failure);
        }
    }

    /** Stops the apply thread after the tasks already queued; later completions run on their caller. */
    public void close() {
        synchronized (closeLock) {
            closed = true;
        }
        executor.close();
    }
}
