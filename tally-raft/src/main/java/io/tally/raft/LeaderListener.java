package io.tally.raft;

/** Observes leader changes. Called on the node's apply thread, in order; must not block for long. */
@FunctionalInterface
public interface LeaderListener {
    void onLeaderChange(LeaderChange change);
}
