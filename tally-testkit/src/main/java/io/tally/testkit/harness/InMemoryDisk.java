package io.tally.testkit.harness;

import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.InMemoryStableStore;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;

/** The in-memory stores: a crash keeps exactly what was synced, whole (no torn writes, no bit flips). */
public final class InMemoryDisk implements NodeDisk {

    /** What the hard state (current term, vote) counts for in {@link #persistedRaftStateBytes()}. */
    static final int HARD_STATE_BYTES = 16;

    private InMemoryLogStore log = new InMemoryLogStore();
    private InMemoryStableStore stable = new InMemoryStableStore();
    private InMemorySnapshotStore snapshots = new InMemorySnapshotStore();

    @Override
    public LogStore logStore() {
        return log;
    }

    @Override
    public StableStore stableStore() {
        return stable;
    }

    @Override
    public SnapshotStore snapshotStore() {
        return snapshots;
    }

    /** The synced log entries ({@link io.tally.raft.model.Entry#sizeBytes()} each) plus 16 bytes of hard state. */
    @Override
    public long persistedRaftStateBytes() {
        return log.durableSizeBytes() + HARD_STATE_BYTES;
    }

    @Override
    public void crash() {
        log = log.durableCopy();
        stable = stable.durableCopy();
        snapshots = snapshots.durableCopy();
    }
}
