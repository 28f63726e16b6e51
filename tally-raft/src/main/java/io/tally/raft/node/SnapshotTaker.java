package io.tally.raft.node;

import io.tally.raft.NodeClosedException;
import io.tally.raft.RaftConfig;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Takes snapshots (§7): when the policy's thresholds are crossed ({@link RaftConfig.SnapshotPolicy}, every N applied
 * entries or bytes) or on request, it asks the state machine for a point-in-time view on the apply thread (cheap),
 * and writes that view into the {@link SnapshotStore} on the snapshot executor while applies go on. Once the snapshot
 * is durable, {@code onTaken} tells the Raft loop, which compacts the log behind it. Apply-thread state, except where
 * volatile; completions come back through {@code applyThread}.
 */
final class SnapshotTaker {

    /** Where the state machine stands: what a snapshot taken now covers. */
    record Position(long index, long term, Configuration configuration) {
    }

    private final StateMachine<?> stateMachine;
    private final SnapshotStore store;
    private final SerialExecutor writer;
    private final RaftConfig.SnapshotPolicy policy;
    private final Executor applyThread;
    private final Consumer<SnapshotMeta> onTaken;
    private final Consumer<Throwable> onFatal;
    private long bytesSinceSnapshot;
    private volatile long snapshotIndex;
    private boolean inProgress;
    private final List<CompletableFuture<SnapshotMeta>> requests = new ArrayList<>();

    /**
     * @param applyThread runs a task on the apply thread (inline once the applier has stopped)
     * @param onFatal     a snapshot store that cannot write is a failed disk: the node must stop
     */
    SnapshotTaker(StateMachine<?> stateMachine, SnapshotStore store, SerialExecutor writer, RaftConfig.SnapshotPolicy policy,
                  Executor applyThread, Consumer<SnapshotMeta> onTaken, Consumer<Throwable> onFatal) {
        this.stateMachine = stateMachine;
        this.store = store;
        this.writer = writer;
        this.policy = policy;
        this.applyThread = applyThread;
        this.onTaken = onTaken;
        this.onFatal = onFatal;
    }

    /** Index of the newest snapshot this node took or restored. */
    long snapshotIndex() {
        return snapshotIndex;
    }

    /** The state machine was restored from the snapshot at {@code index} (apply thread). */
    void restoredAt(long index) {
        snapshotIndex = index;
        bytesSinceSnapshot = 0;
    }

    /** Entries of {@code bytes} were applied (apply thread). */
    void applied(long bytes) {
        bytesSinceSnapshot += bytes;
    }

    /** After a batch of applies, at {@code at} (apply thread): takes a snapshot if a threshold was crossed. */
    void maybeTake(Position at) {
        boolean byEntries = policy.everyEntries() > 0 && at.index() - snapshotIndex >= policy.everyEntries();
        boolean byBytes = policy.everyLogBytes() > 0 && bytesSinceSnapshot >= policy.everyLogBytes();
        if (byEntries || byBytes) {
            take(at, false);
        }
    }

    /** A caller asked for a snapshot of what is applied at {@code at} (apply thread); {@code f} completes once durable. */
    void request(CompletableFuture<SnapshotMeta> f, Position at, boolean stopped) {
        if (stopped) {
            f.completeExceptionally(new NodeClosedException("the node is stopping"));
            return;
        }
        requests.add(f);
        take(at, true);
    }

    /**
     * Takes the state machine's point-in-time view here, on the apply thread, and writes it out on the snapshot
     * executor while applies go on.
     */
    private void take(Position at, boolean requested) {
        if (inProgress) {
            return; // requests complete with the one in progress
        }
        if (at.index() <= snapshotIndex) {
            if (requested) {
                completeRequests(latestOrFail());
            }
            return;
        }
        StateMachine.Snapshot view = stateMachine.snapshot();
        SnapshotMeta target = new SnapshotMeta(at.index(), at.term(), at.configuration(), 0);
        inProgress = true;
        bytesSinceSnapshot = 0;
        writer.execute(() -> write(view, target));
    }

    private Object latestOrFail() {
        try {
            return store.latest().<Object>map(m -> m)
                    .orElseGet(() -> new IllegalStateException("nothing applied yet: no snapshot to take"));
        } catch (IOException e) {
            return e;
        }
    }

    /** On the snapshot executor. */
    private void write(StateMachine.Snapshot view, SnapshotMeta target) {
        Object outcome;
        try (SnapshotStore.SnapshotSink sink = store.create(target)) {
            view.writeTo(sink.output());
            outcome = sink.commit();
        } catch (IOException | RuntimeException e) {
            outcome = e;
        } finally {
            view.release();
        }
        Object result = outcome;
        applyThread.execute(() -> {
            inProgress = false;
            if (result instanceof SnapshotMeta meta) {
                snapshotIndex = Math.max(snapshotIndex, meta.lastIndex());
                completeRequests(meta);
                onTaken.accept(meta);
            } else {
                completeRequests(result);
                onFatal.accept((Throwable) result);
            }
        });
    }

    /** At shutdown: every snapshot request still waiting fails with {@code cause} (apply thread). */
    void failRequests(Throwable cause) {
        completeRequests(cause);
    }

    private void completeRequests(Object outcome) {
        for (CompletableFuture<SnapshotMeta> f : requests) {
            if (outcome instanceof SnapshotMeta m) {
                f.complete(m);
            } else {
                f.completeExceptionally((Throwable) outcome);
            }
        }
        requests.clear();
    }
}
