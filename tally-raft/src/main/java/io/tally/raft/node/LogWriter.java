package io.tally.raft.node;

import io.tally.raft.model.Entry;
import io.tally.raft.core.Output;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.StableStore;
import io.tally.raft.transport.Transport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Persists the core's output off the Raft loop, with group commit: every output queued while the previous
 * sync ran is written and then made durable by a single sync. Only then are the messages that depend on
 * those writes sent (the persistence contract) and the durable index reported back to the loop.
 *
 * <p>Any storage error is fatal to the node: an fsync that failed cannot be retried safely.
 */
public final class LogWriter {

    /** Reports (index, term) of the last entry made durable. */
    public interface PersistedListener {
        void persisted(long index, long term);
    }

    private final SerialExecutor executor;
    private final LogStore logStore;
    private final StableStore stableStore;
    private final Transport transport;
    private final PersistedListener onPersisted;
    private final Consumer<Throwable> onFatal;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean failed;

    public LogWriter(SerialExecutor executor, LogStore logStore, StableStore stableStore, Transport transport,
                     PersistedListener onPersisted, Consumer<Throwable> onFatal) {
        this.executor = executor;
        this.logStore = logStore;
        this.stableStore = stableStore;
        this.transport = transport;
        this.onPersisted = onPersisted;
        this.onFatal = onFatal;
    }

    /** Queues an output's persistence work and its after-persist messages. */
    public void submit(Output output) {
        enqueue(output);
    }

    /** Runs {@code task} on the writer once everything submitted before it is durable. */
    public void afterPendingWrites(Runnable task) {
        enqueue(task);
    }

    private void enqueue(Object item) {
        queue.add(item);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        scheduled.set(false);
        List<Object> batch = new ArrayList<>();
        Object item;
        while ((item = queue.poll()) != null) {
            batch.add(item);
        }
        if (batch.isEmpty() || failed) {
            return;
        }
        Entry lastAppended = null;
        try {
            boolean logDirty = false;
            for (Object o : batch) {
                if (o instanceof Output out) {
                    if (out.hardState() != null) {
                        stableStore.save(out.hardState());
                    }
                    if (out.truncateFrom() > 0) {
                        logStore.truncateSuffix(out.truncateFrom());
                        logDirty = true;
                    }
                    if (!out.entries().isEmpty()) {
                        logStore.append(out.entries());
                        lastAppended = out.entries().get(out.entries().size() - 1);
                        logDirty = true;
                    }
                    if (out.compactUpTo() > 0) {
                        // Covered by a durable snapshot (§7). A store may keep entries it cannot drop yet.
                        logStore.truncatePrefix(out.compactUpTo());
                        logDirty = true;
                    }
                }
            }
            if (logDirty) {
                logStore.sync();
            }
        } catch (Exception | Error e) {
            failed = true;
            onFatal.accept(new IllegalStateException("log writer failed; the node must stop: " + e, e));
            return;
        }
        for (Object o : batch) {
            if (o instanceof Output out) {
                for (RaftMessage m : out.messagesAfterPersist()) {
                    transport.send(m);
                }
            } else {
                ((Runnable) o).run();
            }
        }
        if (lastAppended != null) {
            onPersisted.persisted(lastAppended.index(), lastAppended.term());
        }
    }

    public void close() {
        executor.close();
    }
}
