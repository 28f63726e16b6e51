package io.tally.server;

import io.micrometer.core.instrument.Timer;
import io.tally.raft.model.Entry;
import io.tally.raft.storage.LogStore;

import java.io.IOException;
import java.util.List;

/** A {@link LogStore} that times its syncs (fsync latency), for the node's metrics; everything else delegates. */
final class TimedLogStore implements LogStore {

    private final LogStore delegate;
    private final Timer syncs;

    TimedLogStore(LogStore delegate, Timer syncs) {
        this.delegate = delegate;
        this.syncs = syncs;
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
            syncs.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
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
