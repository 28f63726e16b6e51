package io.tally.raft;

/**
 * The node lost leadership after proposing the entry and before it was applied. The outcome is
 * unknown: a later leader may still commit the entry.
 */
public class LeadershipLostException extends RaftException {

    public LeadershipLostException(String message) {
        super(message);
    }
}
