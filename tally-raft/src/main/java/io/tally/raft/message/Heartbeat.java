package io.tally.raft.message;

/**
 * Leader liveness signal. Unlike an empty AppendEntries it makes no log-matching claim, so a follower
 * answers it without waiting for its disk. {@code commit} is min(follower's match index, leader commit),
 * which the follower may commit up to because those entries are known to match the leader's log.
 */
public record Heartbeat(String from, String to, long term, long commit) implements RaftMessage {
}
