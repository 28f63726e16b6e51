package io.tally.raft;

/**
 * Protections a {@link io.tally.raft.node.RaftNode} always has, named so that the simulator's <em>control runs</em> can switch one
 * off and show the fault it prevents ({@link io.tally.raft.node.RaftNode.Builder#withoutSafeguard}). A scenario that passes with a
 * protection on and fails with it off proves that the scenario can see that fault. Never switch one off
 * in production: each exists because without it Tally loses acknowledged writes or serves stale reads.
 */
public enum Safeguard {

    /**
     * A (re)started node grants no vote for an election timeout after it starts, as if it had just heard from a
     * leader: it may have acknowledged a leader's lease just before it went down (thesis §6.4.1).
     */
    START_VOTE_LEASE,

    /**
     * Recovery reconciles the stores: a snapshot newer than the log, or one the log's entries do not follow, makes
     * the log restart right after the snapshot, durably, before the node runs.
     */
    SNAPSHOT_LOG_RECONCILIATION
}
