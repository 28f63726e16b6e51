package io.tally.raft.storage;

import io.tally.raft.model.Configuration;
import io.tally.raft.storage.SnapshotStore.SnapshotSink;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InMemorySnapshotStoreTest {

    private static final Configuration CONF = Configuration.ofVoters("a", "b", "c");

    private static SnapshotMeta meta(long index, long term) {
        return new SnapshotMeta(index, term, CONF, 0);
    }

    private static SnapshotMeta write(InMemorySnapshotStore store, long index, long term, byte[] data)
            throws IOException {
        try (SnapshotSink sink = store.create(meta(index, term))) {
            sink.output().write(data);
            return sink.commit();
        }
    }

    private static byte[] read(InMemorySnapshotStore store, SnapshotMeta meta) throws IOException {
        try (InputStream in = store.open(meta)) {
            return in.readAllBytes();
        }
    }

    @Test
    void snapshotIsInvisibleUntilCommitted() throws IOException {
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        SnapshotSink sink = store.create(meta(10, 2));
        sink.output().write(new byte[] {1, 2, 3});
        assertTrue(store.list().isEmpty());
        assertTrue(store.latest().isEmpty());
        SnapshotMeta committed = sink.commit();
        assertEquals(new SnapshotMeta(10, 2, CONF, 3), committed);
        assertEquals(List.of(committed), store.list());
        assertArrayEquals(new byte[] {1, 2, 3}, read(store, committed));
    }

    @Test
    void closedSinkIsDiscardedAndCannotCommit() throws IOException {
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        SnapshotSink sink = store.create(meta(10, 2));
        sink.output().write(7);
        sink.close();
        assertTrue(store.list().isEmpty());
        assertThrows(IllegalStateException.class, sink::commit);
        assertThrows(IOException.class, () -> sink.output().write(8));
        assertTrue(store.list().isEmpty());
    }

    @Test
    void closeAfterCommitKeepsSnapshot() throws IOException {
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        SnapshotMeta m = write(store, 5, 1, new byte[] {9});
        assertEquals(List.of(m), store.list());
    }

    @Test
    void retainsOnlyNewestSnapshotsListedNewestFirst() throws IOException {
        InMemorySnapshotStore store = new InMemorySnapshotStore(3);
        SnapshotMeta s10 = write(store, 10, 1, new byte[] {10});
        SnapshotMeta s30 = write(store, 30, 2, new byte[] {30});
        SnapshotMeta s20 = write(store, 20, 1, new byte[] {20});
        assertEquals(List.of(s30, s20, s10), store.list());
        SnapshotMeta s40 = write(store, 40, 3, new byte[] {40});
        assertEquals(List.of(s40, s30, s20), store.list());
        assertEquals(s40, store.latest().orElseThrow());
        assertThrows(IOException.class, () -> store.open(s10));
        assertArrayEquals(new byte[] {20}, read(store, s20));
    }

    @Test
    void defaultStoreRetainsTwo() throws IOException {
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        write(store, 1, 1, new byte[0]);
        SnapshotMeta s2 = write(store, 2, 1, new byte[0]);
        SnapshotMeta s3 = write(store, 3, 1, new byte[0]);
        assertEquals(List.of(s3, s2), store.list());
    }

    @Test
    void openingUnknownSnapshotFailsWithIOException() {
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        IOException e = assertThrows(IOException.class, () -> store.open(meta(7, 1)));
        assertTrue(e.getMessage().contains("7"), e.getMessage());
    }

    @Test
    void durableCopyHoldsCommittedSnapshotsOnly() throws IOException {
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        SnapshotMeta s1 = write(store, 1, 1, new byte[] {1});
        SnapshotSink pending = store.create(meta(2, 1));
        pending.output().write(2);
        InMemorySnapshotStore copy = store.durableCopy();
        pending.commit();
        assertEquals(List.of(s1), copy.list());
        assertArrayEquals(new byte[] {1}, read(copy, s1));
        assertEquals(2, store.list().size());
    }

    @Test
    void invalidRetentionIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new InMemorySnapshotStore(0));
    }
}
