package io.tally.raft.core;

/** The core's roles. PRE_CANDIDATE runs the PreVote phase without raising its term. */
public enum Role {
    FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER
}
