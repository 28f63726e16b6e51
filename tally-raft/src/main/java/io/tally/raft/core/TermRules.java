package io.tally.raft.core;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import io.tally.raft.model.Configuration;

/**
 * The rules every message meets before its role sees it (Figure 2, "Rules for Servers"): whom a node listens to at
 * all, what a higher term does to it, and how it answers a lower one.
 */
final class TermRules {

    private TermRules() {
    }

    /**
     * Whether {@code core} acts on {@code m} at all. Votes, vote requests and replication answers count only from the
     * members of the configuration in force or the committed one (a server being added is a member from the moment
     * its configuration entry is appended, thesis §4.1), and, on a leader, from peers it still replicates to (members
     * being told of their removal). Anything else — a removed member campaigning, a stranger — could only disturb:
     * raise terms, depose the leader, or sway a vote. A node with no configuration (empty, waiting to be added) or
     * outside its own configuration (removed, perhaps to be added back) takes messages from anyone.
     *
     * <p>One exception: a vote request whose log is newer than this node's. This node's configuration may be stale — it
     * missed the entries that added the candidate — while the candidate's names both, and needs this node's vote
     * (thesis §4.1: servers process requests without consulting their configurations). Dropping it can deadlock the
     * cluster: with joint configuration {n2 | n1, n2, n3} on n1 and n3 and an old {n0, n2, n4} on n2, n1 and n3 need
     * n2's vote and n2 cannot win one (KvMembershipScenariosTest, MembershipPartition, seed 13 of 2026-12-07). A
     * removed member cannot use it to disturb: its log is not newer than those of the members that committed its
     * removal, and the vote lease (§4.2.3) still keeps any candidate from a node that hears from a leader.
     *
     * <p>A leader's own messages (AppendEntries, heartbeats, TimeoutNow) are taken from any id: a member whose
     * configuration is stale (it missed the entry that added today's leader) must still follow that leader to learn
     * it, and only a leader elected by a quorum of members ever sends them with a current term. Who may speak for an
     * id on the wire is the transport's business (its handshake).
     */
    static boolean actsOn(RaftCore core, RaftMessage m) {
        if (m instanceof AppendRequest || m instanceof Heartbeat || m instanceof TimeoutNow) {
            return true;
        }
        Configuration config = core.configuration();
        if (!config.contains(core.id())) {
            return true;
        }
        String from = m.from();
        return config.contains(from) || core.committedConfiguration().contains(from) || core.leaderReplicatesTo(from)
                || m instanceof VoteRequest v && newerThanOurs(core.log(), v.lastLogIndex(), v.lastLogTerm());
    }

    /** Whether a log ending at (index, term) is strictly newer than {@code log} (§5.4.1's order, ties excluded). */
    private static boolean newerThanOurs(RaftLog log, long lastIndex, long lastTerm) {
        return lastTerm > log.lastTerm() || (lastTerm == log.lastTerm() && lastIndex > log.lastIndex());
    }

    /** A message from a higher term. Returns false when the message must be dropped. */
    static boolean stepHigherTerm(RaftCore core, RaftMessage m) {
        if (m instanceof VoteRequest v) {
            // §4.2.3 of the thesis: a node that heard from a leader within the minimum election timeout
            // neither grants a vote nor raises its term, so a removed or partitioned node cannot disrupt a
            // healthy cluster. Transfers (TimeoutNow) are exempt.
            if (!v.transfer() && core.elections().inLease()) {
                return false;
            }
            if (v.preVote()) {
                return true; // PreVote never changes the receiver's term (thesis §9.6)
            }
        }
        if (m instanceof VoteResponse r && r.preVote() && r.granted()) {
            return true; // a granted pre-vote carries the term we would campaign in
        }
        String leader = (m instanceof AppendRequest || m instanceof Heartbeat || m instanceof TimeoutNow) ? m.from() : null;
        core.becomeFollower(m.term(), leader);
        return true;
    }

    /** A message from a lower term: answer stale leaders and candidates with our term so they step down. */
    static void stepLowerTerm(RaftCore core, RaftMessage m) {
        String id = core.id();
        long term = core.term();
        if (m instanceof AppendRequest a) {
            core.send(new AppendResponse(id, a.from(), term, false, 0, a.prevLogIndex(), 0, 0));
        } else if (m instanceof Heartbeat h) {
            core.send(new HeartbeatResponse(id, h.from(), term));
        } else if (m instanceof VoteRequest v) {
            core.send(new VoteResponse(id, v.from(), term, false, v.preVote()));
        }
        // Stale responses are dropped.
    }
}
