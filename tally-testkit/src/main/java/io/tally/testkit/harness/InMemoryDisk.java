package io.tally.testkit.harness;

import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemoryStableStore;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.StableStore;

/** The in-memory stores: a crash keeps exactly what was synced, whole (no torn writes, no bit flips). */
public final class InMemoryDisk implements NodeDisk {

    private InMemoryLogStore log = new InMemoryLogStore();
    private InMemoryStableStore stable = new InMemoryStableStore();

    @Override
    public LogStore logStore() {
        return log;
    }

    @Override
    public StableStore stableStore() {
        return stable;
    }

    @Override
    public void crash() {
        log = log.durableCopy();
        stable = stable.durableCopy();
    }
}
