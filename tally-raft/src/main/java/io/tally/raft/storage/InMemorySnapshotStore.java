package io.tally.raft.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link SnapshotStore} held in memory that retains the newest {@code retain} committed snapshots.
 *
 * <p>Invariants: committed snapshots are kept sorted newest (highest lastIndex) first, at most one per
 * lastIndex (a later commit for the same index replaces the earlier one), and never more than
 * {@code retain} of them. A snapshot is identified by its (lastIndex, lastTerm). Committed data is never
 * modified, so {@link #durableCopy()} shares it; snapshots still being written are not part of the
 * durable state. Public methods are synchronized.
 */
public final class InMemorySnapshotStore implements SnapshotStore {

    private final int retain;
    /** Committed snapshots, newest first. */
    private final List<Stored> snapshots = new ArrayList<>();
    private boolean closed;

    /** A store retaining the newest two snapshots. */
    public InMemorySnapshotStore() {
        this(2);
    }

    /** A store retaining the newest {@code retain} (>= 1) snapshots. */
    public InMemorySnapshotStore(int retain) {
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be >= 1, was " + retain);
        }
        this.retain = retain;
    }

    @Override
    public synchronized SnapshotSink create(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(meta.configuration(), "meta.configuration");
        if (closed) {
            throw new IOException("snapshot store is closed");
        }
        return new Sink(meta);
    }

    @Override
    public synchronized List<SnapshotMeta> list() {
        List<SnapshotMeta> metas = new ArrayList<>(snapshots.size());
        for (Stored s : snapshots) {
            metas.add(s.meta());
        }
        return metas;
    }

    /**
     * Opens a committed snapshot, matched by lastIndex and lastTerm.
     *
     * @throws FileNotFoundException if no such snapshot is retained
     */
    @Override
    public synchronized InputStream open(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        for (Stored s : snapshots) {
            if (s.meta().lastIndex() == meta.lastIndex() && s.meta().lastTerm() == meta.lastTerm()) {
                return s.data().open();
            }
        }
        throw new FileNotFoundException("no snapshot at index " + meta.lastIndex() + " term " + meta.lastTerm()
                + "; retained: " + list());
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    /** A new, open, independent store holding the committed snapshots (sinks in progress are lost). */
    public synchronized InMemorySnapshotStore durableCopy() {
        InMemorySnapshotStore copy = new InMemorySnapshotStore(retain);
        copy.snapshots.addAll(snapshots);
        return copy;
    }

    private synchronized SnapshotMeta install(SnapshotMeta requested, ChunkedBytes data) {
        data.freeze();
        SnapshotMeta meta = new SnapshotMeta(requested.lastIndex(), requested.lastTerm(),
                requested.configuration(), data.size());
        snapshots.removeIf(s -> s.meta().lastIndex() == meta.lastIndex());
        int at = 0;
        while (at < snapshots.size() && snapshots.get(at).meta().lastIndex() > meta.lastIndex()) {
            at++;
        }
        snapshots.add(at, new Stored(meta, data));
        while (snapshots.size() > retain) {
            snapshots.remove(snapshots.size() - 1);
        }
        return meta;
    }

    private record Stored(SnapshotMeta meta, ChunkedBytes data) {
    }

    /** Buffers the data; writes after commit or close fail with IOException. */
    private final class Sink implements SnapshotSink {
        private final SnapshotMeta meta;
        private final ChunkedBytes buffer = new ChunkedBytes();
        /** Each write checks and writes under the sink's lock, so none can land after a commit froze the bytes. */
        private final OutputStream output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                synchronized (Sink.this) {
                    ensureWritable();
                    buffer.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                synchronized (Sink.this) {
                    ensureWritable();
                    buffer.write(b, off, len);
                }
            }
        };
        private SnapshotMeta committed;
        private boolean closed;

        Sink(SnapshotMeta meta) {
            this.meta = meta;
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public synchronized SnapshotMeta commit() {
            if (closed) {
                throw new IllegalStateException("snapshot sink for index " + meta.lastIndex() + " was closed");
            }
            if (committed != null) {
                throw new IllegalStateException("snapshot sink for index " + meta.lastIndex()
                        + " was already committed");
            }
            committed = install(meta, buffer);
            return committed;
        }

        @Override
        public synchronized void close() {
            closed = true;
        }

        private synchronized void ensureWritable() throws IOException {
            if (closed || committed != null) {
                throw new IOException("snapshot sink for index " + meta.lastIndex() + " is "
                        + (closed ? "closed" : "committed"));
            }
        }
    }
}
