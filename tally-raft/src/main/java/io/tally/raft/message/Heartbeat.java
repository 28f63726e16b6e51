package io.tally.raft.message;

/**
 * Leader liveness signal. Unlike an empty AppendEntries it makes no log-matching claim, so a follower
 * answers it without waiting for its disk.
 *
 * @param commit the leader's commit index
 * @param match  the index up to which the leader knows the follower's log matches its own (what the
 *               follower acknowledged this term). The follower commits up to {@code commit}, but only as far
 *               as its log is known to match this leader's: the larger of {@code match} and what it
 *               accepted from this leader itself.
 */
public record Heartbeat(String from, String to, long term, long commit, long match) implements RaftMessage {
}
