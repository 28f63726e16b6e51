package io.tally.raft.storage;

import io.tally.raft.model.HardState;

import java.io.IOException;
import java.util.Objects;

/**
 * A {@link StableStore} held in memory. {@link #save} is atomic and immediately durable, so
 * {@link #durableCopy()} (what survives a crash) always holds the last saved state. Public methods are
 * synchronized so that a test thread may inspect the store while a node writes to it. After
 * {@link #close()}, {@link #save} throws {@link IOException}; {@link #load} keeps working.
 */
public final class InMemoryStableStore implements StableStore {

    private HardState state;
    private boolean closed;

    /** A store for a new node: {@link #load} returns {@link HardState#EMPTY}. */
    public InMemoryStableStore() {
        this(HardState.EMPTY);
    }

    /** A store that already holds {@code state}. */
    public InMemoryStableStore(HardState state) {
        this.state = Objects.requireNonNull(state, "state");
    }

    @Override
    public synchronized HardState load() {
        return state;
    }

    @Override
    public synchronized void save(HardState newState) throws IOException {
        Objects.requireNonNull(newState, "state");
        if (closed) {
            throw new IOException("stable store is closed");
        }
        state = newState;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    /** A new, open, independent store holding the last saved state. */
    public synchronized InMemoryStableStore durableCopy() {
        return new InMemoryStableStore(state);
    }

    @Override
    public synchronized String toString() {
        return "InMemoryStableStore{" + state + "}";
    }
}
