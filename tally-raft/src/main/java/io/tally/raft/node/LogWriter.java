package io.tally.raft.node;

import io.tally.raft.model.Entry;
import io.tally.raft.core.Output;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.StableStore;
import io.tally.raft.transport.Transport;

import java.io.IOException;
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
final class LogWriter {

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
    /**
     * What the writer is asked to do, in order: persist an output, or run a task once earlier writes are durable.
     * A batch of tasks is written (each {@link #write}), made durable by one sync, then released (each {@link #release}).
     */
    private sealed interface Task {
        /** Writes what this task persists, noting it in {@code batch}. */
        void write(Batch batch) throws IOException;

        /** Once the batch is durable: what may happen now. */
        void release();
    }

    /** What a batch wrote: whether the log needs a sync, and its last appended entry. */
    private final class Batch {
        boolean logDirty;
        Entry lastAppended;

        void persist(Output out) throws IOException {
            if (out.hardState() != null) {
                stableStore.save(out.hardState()); // durable when it returns
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

    private final class Persist implements Task {
        private final Output output;

        Persist(Output output) {
            this.output = output;
        }

        @Override
        public void write(Batch batch) throws IOException {
            batch.persist(output);
        }

        @Override
        public void release() {
            for (RaftMessage m : output.messagesAfterPersist()) {
                transport.send(m); // the persistence contract: only now may these leave
            }
        }
    }

    private record AfterWrites(Runnable task) implements Task {
        @Override
        public void write(Batch batch) {
        }

        @Override
        public void release() {
            task.run();
        }
    }

    private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
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
        enqueue(new Persist(output));
    }

    /** Runs {@code task} on the writer once everything submitted before it is durable. */
    public void afterPendingWrites(Runnable task) {
        enqueue(new AfterWrites(task));
    }

    private void enqueue(Task item) {
        queue.add(item);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        scheduled.set(false);
        List<Task> batch = new ArrayList<>();
        Task item;
        while ((item = queue.poll()) != null) {
            batch.add(item);
        }
        if (batch.isEmpty() || failed) {
            return;
        }
        Batch written = new Batch();
        try {
            for (Task t : batch) {
                t.write(written);
            }
            if (written.logDirty) {
                logStore.sync();
            }
        } catch (Exception | Error e) {
            failed = true;
            onFatal.accept(new IllegalStateException("log writer failed; the node must stop: " + e, e));
            return;
        }
        for (Task t : batch) {
            t.release();
        }
        if (written.lastAppended != null) {
            onPersisted.persisted(written.lastAppended.index(), written.lastAppended.term());
        }
    }

    public void close() {
        executor.close();
    }
}
