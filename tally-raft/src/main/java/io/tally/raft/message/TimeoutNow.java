package io.tally.raft.message;

/**
 * Leadership transfer (thesis §3.10): tells an up-to-date follower to start an election at once,
 * skipping PreVote and ignoring leader leases.
 */
public record TimeoutNow(String from, String to, long term) implements RaftMessage {
}
