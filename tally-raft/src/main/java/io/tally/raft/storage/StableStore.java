package io.tally.raft.storage;

import io.tally.raft.model.HardState;

import java.io.IOException;

/**
 * Durable storage of the node's hard state (current term and vote). {@link #save} must be atomic: after
 * a crash, {@link #load} returns either the old or the new value, never a mix. It is durable when it
 * returns.
 */
public interface StableStore extends AutoCloseable {

    /** The last saved hard state, or {@link HardState#EMPTY} for a new node. */
    HardState load() throws IOException;

    void save(HardState state) throws IOException;

    @Override
    void close() throws IOException;
}
