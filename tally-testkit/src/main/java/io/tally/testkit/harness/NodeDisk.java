package io.tally.testkit.harness;

import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.StableStore;

import java.io.IOException;

/**
 * What one node keeps across crashes: its log and stable store. {@link #crash()} keeps only what a real
 * crash would leave, and the next {@link #logStore()}/{@link #stableStore()} return stores reopened on that.
 */
public interface NodeDisk {

    /** The log store of the node's current life (opened, and recovered, on first use after a crash). */
    LogStore logStore() throws IOException;

    StableStore stableStore() throws IOException;

    /** The node crashed: whatever was not durable may be lost; the current stores are abandoned. */
    void crash();
}
