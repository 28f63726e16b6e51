package io.tally.raft.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Durable storage of state-machine snapshots. A snapshot is written through a {@link SnapshotSink}
 * and becomes visible only when {@link SnapshotSink#commit()} returns; an abandoned sink leaves nothing.
 */
public interface SnapshotStore extends AutoCloseable {

    /** Starts writing a snapshot described by {@code meta} (its size field is ignored). */
    SnapshotSink create(SnapshotMeta meta) throws IOException;

    /** Committed snapshots, newest (highest lastIndex) first. */
    List<SnapshotMeta> list() throws IOException;

    /** The newest committed snapshot, if any. */
    default Optional<SnapshotMeta> latest() throws IOException {
        List<SnapshotMeta> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Opens the data of a committed snapshot. */
    InputStream open(SnapshotMeta meta) throws IOException;

    @Override
    void close() throws IOException;

    /** A snapshot being written. */
    interface SnapshotSink extends AutoCloseable {

        OutputStream output();

        /** Makes the snapshot durable and visible; returns its final metadata (with size). */
        SnapshotMeta commit() throws IOException;

        /** Discards a snapshot that was not committed; a no-op after commit. */
        @Override
        void close();
    }
}
