package io.tally.raft.message;

/**
 * Answer to an {@link AppendRequest}.
 *
 * <p>On success {@code matchIndex} is the index up to which the follower's log now matches the leader's
 * and is durable. On rejection, fast back-off hints let the leader skip a whole term per round trip:
 * {@code rejectedIndex} is the request's prevLogIndex; {@code conflictTerm} is the term the follower
 * holds at that index (0 when its log is shorter) and {@code conflictIndex} the first index it holds
 * for that term (or its last index + 1 when its log is shorter).
 */
public record AppendResponse(String from, String to, long term, boolean success, long matchIndex,
                             long rejectedIndex, long conflictTerm, long conflictIndex) implements RaftMessage {

    public static AppendResponse success(String from, String to, long term, long matchIndex) {
        return new AppendResponse(from, to, term, true, matchIndex, 0, 0, 0);
    }
}
