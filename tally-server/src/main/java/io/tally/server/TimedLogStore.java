package io.tally.server;

import io.micrometer.core.instrument.Timer;
import io.tally.raft.model.Entry;
import io.tally.raft.storage.LogStore;

import java.io.IOException;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A {@link LogStore} that times its syncs (fsync latency), for the node's metrics and the status page's plots
 * ({@code alsoSyncs}); everything else delegates.
 */
final class TimedLogStore implements LogStore {

    private final LogStore delegate;
    private final Timer syncs;
    private final LongConsumer alsoSyncs;

    TimedLogStore(LogStore delegate, Timer syncs, LongConsumer alsoSyncs) {
        this.delegate = delegate;
        this.syncs = syncs;
        this.alsoSyncs = alsoSyncs;
    }

    @Override
    public long firstIndex() {
        return delegate.firstIndex();
    }

    @Override
    public long lastIndex() {
        return delegate.lastIndex();
    }

    @Override
    public List<Entry> read(long from, long toExclusive) throws IOException {
        return delegate.read(from, toExclusive);
    }

    @Override
    public void append(List<Entry> entries) throws IOException {
        delegate.append(entries);
    }

    @Override
    public void truncateSuffix(long fromIndex) throws IOException {
        delegate.truncateSuffix(fromIndex);
    }

    @Override
    public void truncatePrefix(long upToIndex) throws IOException {
        delegate.truncatePrefix(upToIndex);
    }

    @Override
    public void sync() throws IOException {
        long t0 = System.nanoTime();
        try {
            delegate.sync();
        } finally {
            long nanos = System.nanoTime() - t0;
            syncs.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            alsoSyncs.accept(nanos);
        }
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
