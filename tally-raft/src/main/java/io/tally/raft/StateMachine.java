package io.tally.raft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The user's replicated state machine. Tally calls it from one thread only (the node's apply thread),
 * with committed commands in log order, never twice for one index (except after {@link #restore}).
 *
 * @param <R> the result type of a command, handed back to the caller of {@code RaftNode.apply}
 */
public interface StateMachine<R> {

    /**
     * Applies a batch of committed commands in order and returns one result per command, in the same
     * order. Must be deterministic: every replica applies the same commands and must reach the same state.
     */
    List<R> apply(List<Command> commands);

    /**
     * Returns a cheap point-in-time view of the state; it is written out later, off the apply thread,
     * while further commands are applied.
     */
    Snapshot snapshot();

    /** Replaces the whole state with the snapshot's. */
    void restore(InputStream in) throws IOException;

    /** A committed command. */
    record Command(long index, long term, byte[] data) {
    }

    /** A point-in-time view of the state machine. */
    interface Snapshot {

        void writeTo(OutputStream out) throws IOException;

        /** Releases the view; called once after writing. */
        default void release() {
        }
    }
}
