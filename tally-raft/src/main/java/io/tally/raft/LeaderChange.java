package io.tally.raft;

/**
 * Delivered to {@link LeaderListener}s whenever the leader a node knows of, or its own role, changes.
 *
 * @param term     the term the observation belongs to
 * @param leaderId the leader's id, or {@code null} when no leader is known
 * @param state    the observing node's role at that moment
 */
public record LeaderChange(String nodeId, long term, String leaderId, RaftState state) {
}
