package io.tally.testkit.harness;

import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;

import java.io.IOException;

/**
 * What one node keeps across crashes: its log, stable store and snapshot store. {@link #crash()} keeps only
 * what a real crash would leave, and the next {@link #logStore()}/{@link #stableStore()}/{@link #snapshotStore()}
 * return stores reopened on that.
 */
public interface NodeDisk {

    /** The log store of the node's current life (opened, and recovered, on first use after a crash). */
    LogStore logStore() throws IOException;

    StableStore stableStore() throws IOException;

    /** The snapshot store of the node's current life (opened on first use after a crash). */
    SnapshotStore snapshotStore() throws IOException;

    /**
     * Bytes of the node's durable Raft state: the durable log plus the hard state, snapshots excluded (the
     * course's {@code persister.RaftStateSize()}). Valid whether the node runs or is down.
     *
     * @throws UnsupportedOperationException if this disk cannot tell
     */
    long persistedRaftStateBytes();

    /** The node crashed: whatever was not durable may be lost; the current stores are abandoned. */
    void crash();
}
