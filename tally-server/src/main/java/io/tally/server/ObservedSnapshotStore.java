package io.tally.server;

import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link SnapshotStore} that tells {@code committed} about every snapshot once it is durable (taken by this node or
 * installed from the leader), for the status page's events; everything else delegates.
 */
final class ObservedSnapshotStore implements SnapshotStore {

    private final SnapshotStore delegate;
    private final Consumer<SnapshotMeta> committed;

    ObservedSnapshotStore(SnapshotStore delegate, Consumer<SnapshotMeta> committed) {
        this.delegate = delegate;
        this.committed = committed;
    }

    @Override
    public SnapshotSink create(SnapshotMeta meta) throws IOException {
        SnapshotSink sink = delegate.create(meta);
        return new SnapshotSink() {
            @Override
            public OutputStream output() {
                return sink.output();
            }

            @Override
            public SnapshotMeta commit() throws IOException {
                SnapshotMeta m = sink.commit();
                committed.accept(m);
                return m;
            }

            @Override
            public void close() {
                sink.close();
            }
        };
    }

    @Override
    public List<SnapshotMeta> list() throws IOException {
        return delegate.list();
    }

    @Override
    public Optional<SnapshotMeta> latest() throws IOException {
        return delegate.latest();
    }

    @Override
    public InputStream open(SnapshotMeta meta) throws IOException {
        return delegate.open(meta);
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
