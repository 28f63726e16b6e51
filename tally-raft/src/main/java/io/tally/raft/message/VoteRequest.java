package io.tally.raft.message;

/**
 * RequestVote (Figure 2), also used for the PreVote phase (thesis §9.6) when {@code preVote} is set:
 * then {@code term} is the term the candidate would campaign in, and no receiver changes its term.
 * {@code transfer} marks a campaign started by TimeoutNow (leadership transfer), which may disregard
 * the receivers' leader lease (thesis §4.2.3 / §3.10).
 */
public record VoteRequest(String from, String to, long term, long lastLogIndex, long lastLogTerm,
                          boolean preVote, boolean transfer) implements RaftMessage {
}
