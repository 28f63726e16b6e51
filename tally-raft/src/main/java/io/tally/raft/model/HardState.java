package io.tally.raft.model;

/**
 * The state Raft requires to be durable before a node answers a message (Figure 2 of the paper):
 * the current term and the candidate voted for in it ({@code null} when none).
 */
public record HardState(long term, String votedFor) {

    public static final HardState EMPTY = new HardState(0, null);

    public HardState {
        if (term < 0) {
            throw new IllegalArgumentException("term must be >= 0, was " + term);
        }
    }
}
