package io.tally.raft.core;

/** A change of role, term or known leader, in the order it happened within an output batch. */
public record RoleChange(long term, Role role, String leaderId) {
}
