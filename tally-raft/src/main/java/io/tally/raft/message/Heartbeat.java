package io.tally.raft.message;

/**
 * Leader liveness signal. Unlike an empty AppendEntries it makes no log-matching claim, so a follower
 * answers it without waiting for its disk.
 *
 * @param commit the leader's commit index
 * @param match   the index up to which the leader knows the follower's log matches its own (what the
 *                follower acknowledged this term). The follower commits up to {@code commit}, but only as far
 *                as its log is known to match this leader's: the larger of {@code match} and what it
 *                accepted from this leader itself.
 * @param context the leader's heartbeat round (one number per broadcast, rising within a term), echoed in
 *                the response: an echo of round c proves the follower accepted this leader after round c was
 *                sent — what ReadIndex (thesis §6.4) and leader leases count
 */
public record Heartbeat(String from, String to, long term, long commit, long match, long context) implements RaftMessage {

    public Heartbeat(String from, String to, long term, long commit, long match) {
        this(from, to, term, commit, match, 0);
    }
}
