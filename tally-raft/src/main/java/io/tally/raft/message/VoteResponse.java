package io.tally.raft.message;

/** Answer to a {@link VoteRequest}; {@code preVote} echoes the request's phase. */
public record VoteResponse(String from, String to, long term, boolean granted, boolean preVote)
        implements RaftMessage {
}
