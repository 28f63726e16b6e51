package io.tally.raft;

/** A node's role as seen from outside. The PreVote phase reports {@link #CANDIDATE}. */
public enum RaftState {
    FOLLOWER, CANDIDATE, LEADER, SHUTDOWN
}
