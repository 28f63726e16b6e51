package io.tally.raft.message;

/**
 * Leader liveness signal. Unlike an empty AppendEntries it makes no log-matching claim, so a follower
 * answers it without waiting for its disk. {@code commit} is the leader's commit index; the follower commits
 * up to it only as far as its log is known to match this leader's (entries it accepted from it this term).
 */
public record Heartbeat(String from, String to, long term, long commit) implements RaftMessage {
}
