package io.tally.raft.core;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.model.Entry;

/**
 * The follower side of {@link RaftCore}: AppendEntries with the §5.3 consistency check and fast back-off hints,
 * heartbeats (which carry the commit index), and TimeoutNow from the leader (thesis §3.10).
 */
final class Following {

    private final RaftCore core;
    /**
     * The index up to which this log is known to match the current leader's, from AppendEntries this node accepted in
     * the current term (or a snapshot, which is committed and so matches every leader). Reset whenever the term or
     * leader changes. A heartbeat's commit index is only trusted up to here.
     */
    private long leaderMatchIndex;
    /** The highest commit index announced by this term's leader (AppendEntries and heartbeats); reset with the leader. */
    private long leaderCommit;

    Following(RaftCore core, long snapshotIndex) {
        this.core = core;
        this.leaderMatchIndex = snapshotIndex;
    }

    /** A new term or leader: nothing is known to match beyond the snapshot. */
    void reset(long snapshotIndex) {
        leaderMatchIndex = snapshotIndex;
        leaderCommit = 0;
    }

    /** The highest commit index the leader of this term has announced to this node (0: none yet). */
    long leaderCommit() {
        return leaderCommit;
    }

    /** The log holds a snapshot up to {@code index} (committed: it matches the leader). */
    void matchesUpTo(long index) {
        leaderMatchIndex = Math.max(leaderMatchIndex, index);
    }

    /** A message to a follower of its own term. */
    void step(RaftMessage m) {
        if (m instanceof AppendRequest a) {
            core.heardFromLeader(a.from());
            leaderCommit = Math.max(leaderCommit, a.leaderCommit());
            handleAppend(a);
        } else if (m instanceof Heartbeat h) {
            core.heardFromLeader(h.from());
            leaderCommit = Math.max(leaderCommit, h.commit());
            // Entries up to leaderMatchIndex match the leader's log: we accepted them from this leader in this
            // term (§5.3 check passed), or the leader holds our acknowledgement for them (they were durable
            // when we acknowledged, so they survive our restarts). Those entries are committed as far as
            // the leader's commit index reaches.
            leaderMatchIndex = Math.max(leaderMatchIndex, Math.min(h.match(), core.log().lastIndex()));
            core.commitTo(Math.min(h.commit(), leaderMatchIndex));
            core.send(new HeartbeatResponse(core.id(), h.from(), core.term(), h.context()));
        } else if (m instanceof TimeoutNow t) {
            if (t.from().equals(core.leaderId())) {
                core.elections().campaign(false, true); // thesis §3.10: skip PreVote, disregard leases
            }
        }
    }

    private void handleAppend(AppendRequest a) {
        RaftLog log = core.log();
        long commitIndex = core.commitIndex();
        String id = core.id();
        long term = core.term();
        if (a.prevLogIndex() < commitIndex) {
            // Everything up to our commit index is known to match; acknowledge what we can vouch for.
            leaderMatchIndex = Math.max(leaderMatchIndex, commitIndex);
            core.send(AppendResponse.success(id, a.from(), term, commitIndex));
            return;
        }
        if (!log.matches(a.prevLogIndex(), a.prevLogTerm())) {
            // §5.3 consistency check failed: reply with fast back-off hints.
            long conflictTerm;
            long conflictIndex;
            if (a.prevLogIndex() > log.lastIndex()) {
                conflictTerm = 0;
                conflictIndex = log.lastIndex() + 1;
            } else {
                conflictTerm = log.term(a.prevLogIndex());
                conflictIndex = Math.max(log.firstIndexOfTermAt(a.prevLogIndex()), commitIndex + 1);
            }
            core.send(new AppendResponse(id, a.from(), term, false, 0, a.prevLogIndex(), conflictTerm, conflictIndex));
            return;
        }
        for (Entry e : a.entries()) {
            if (e.index() <= log.lastIndex()) {
                if (log.term(e.index()) == e.term()) {
                    continue; // already have it (duplicate or reordered delivery)
                }
                // §5.3: delete the conflicting entry and all that follow it. Committed entries never conflict.
                if (e.index() <= commitIndex) {
                    throw new IllegalStateException("leader " + a.from() + " conflicts with committed entry " + e.index());
                }
                core.truncateLocal(e.index());
            }
            core.appendLocal(e);
        }
        long lastNew = a.lastIndex();
        leaderMatchIndex = Math.max(leaderMatchIndex, lastNew);
        core.commitTo(Math.min(a.leaderCommit(), lastNew));
        core.send(AppendResponse.success(id, a.from(), term, lastNew));
    }
}
