package io.tally.raft.core;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import io.tally.raft.model.Configuration;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Elections (§5.2, thesis §9.6 PreVote, §4.2.3 vote leases): the randomized election timer, campaigns, the votes a
 * candidate collects, and whether this node grants a vote. The candidate side of {@link RaftCore}, which owns the
 * term, the vote and the role; this class decides and asks the core to change them.
 */
final class Elections {

    private final RaftCore core;
    private final CoreConfig cfg;
    private final CoreClock clock;
    private final RandomGenerator random;
    private final Map<String, Boolean> votes = new HashMap<>();
    /** Ticks since the timer was last reset, and the randomized timeout it runs to (§5.2). */
    private int elapsed;
    private int timeout;
    /**
     * Clock reading when this node last heard from the leader it knows, or was told of one by a message of a higher
     * term: the vote lease (thesis §4.2.3) runs an election timeout from here.
     */
    private long leaderContactAt;
    /**
     * Clock reading when this node started. A (re)started node does not know whether it heard from a leader just
     * before it went down, so it treats its start as such contact: no vote for an election timeout after start.
     * Otherwise a follower restarted inside a leader's lease could elect a new leader while the old one still
     * serves lease reads (§6.4.1 relies on every voter that acknowledged the lease refusing votes).
     */
    private final long startedAt;
    private boolean startLease = true;

    Elections(RaftCore core, CoreConfig cfg, CoreClock clock, RandomGenerator random) {
        this.core = core;
        this.cfg = cfg;
        this.clock = clock;
        this.random = random;
        this.startedAt = clock.now();
    }

    /** Restarts the election timer with a fresh random timeout in [electionTicks, 2 × electionTicks). */
    void resetTimer() {
        elapsed = 0;
        timeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
    }

    /** A tick on a follower or candidate: campaign once the timeout passes without a leader. */
    void tick() {
        elapsed++;
        if (elapsed >= timeout) {
            elapsed = 0;
            campaign(cfg.preVote(), false);
        }
    }

    /** This node heard from its leader (or learned of a new one): the timer restarts and the vote lease runs again. */
    void heardFromLeader() {
        elapsed = 0;
        leaderContactAt = clock.now();
    }

    /** A message of a higher term named a leader: the vote lease runs from now. */
    void leaderLearned() {
        leaderContactAt = clock.now();
    }

    /**
     * The vote lease (thesis §4.2.3, with CheckQuorum): within an election timeout of hearing from a leader, or of
     * starting, this node grants no vote and does not adopt a higher term from a vote request. Measured on the
     * monotonic clock: a follower whose timer fires late must not vote early.
     */
    boolean inLease() {
        if (!cfg.checkQuorum()) {
            return false;
        }
        long now = clock.now();
        long lease = clock.ofTicks(cfg.electionTicks());
        return (core.leaderId() != null && now - leaderContactAt < lease) || (startLease && now - startedAt < lease);
    }

    /** Forgets the lease a start counts as: only for the simulator's control runs ({@link RaftCore#dropStartVoteLease}). */
    void dropStartLease() {
        startLease = false;
    }

    /** A vote request of this node's term (higher terms were adopted first): answer it (§5.2, §5.4.1, §9.6). */
    void handleVoteRequest(VoteRequest v) {
        boolean upToDate = core.log().isUpToDate(v.lastLogIndex(), v.lastLogTerm());
        long term = core.term();
        if (v.preVote()) {
            // Grant if the candidate could win: its log is up to date and its proposed term is ahead of ours.
            // (A node in contact with a leader never gets here for a higher term: see RaftCore.stepHigherTerm.)
            boolean grant = upToDate && v.term() > term;
            core.send(new VoteResponse(core.id(), v.from(), grant ? v.term() : term, grant, true));
            return;
        }
        // §5.2, §5.4.1: one vote per term, only for candidates whose log is at least as up to date.
        String votedFor = core.votedFor();
        boolean grant = (votedFor == null || votedFor.equals(v.from())) && upToDate && core.leaderId() == null;
        if (grant) {
            core.voteFor(v.from());
            elapsed = 0;
        }
        core.send(new VoteResponse(core.id(), v.from(), term, grant, false));
    }

    /**
     * Starts a campaign: with PreVote first (asking for term + 1 without taking it), or for real; a transfer's
     * campaign (TimeoutNow) asks voters to disregard their leases. Votes are counted in the latest configuration.
     */
    void campaign(boolean preVote, boolean transfer) {
        Configuration config = core.configuration();
        if (!mayCampaign(config)) {
            resetTimer();
            return;
        }
        long campaignTerm;
        if (preVote) {
            core.becomePreCandidate();
            campaignTerm = core.term() + 1;
        } else {
            core.becomeCandidate();
            campaignTerm = core.term();
        }
        votes.clear();
        votes.put(core.id(), true);
        resetTimer();
        if (Quorum.vote(config, votes) == Quorum.VoteResult.WON) {
            won();
            return;
        }
        RaftLog log = core.log();
        for (String peer : config.allIds()) {
            if (!peer.equals(core.id()) && config.isVoter(peer)) {
                core.send(new VoteRequest(core.id(), peer, campaignTerm, log.lastIndex(), log.lastTerm(), preVote, transfer));
            }
        }
    }

    /**
     * A voter of its latest configuration campaigns; so does one left out of it while that configuration is not yet
     * committed, if it is a voter of the committed one (thesis §4.2.2: "a server that is not part of its own latest
     * configuration should still start new elections, as it might still be needed until the C<sub>new</sub> entry is
     * committed"). Without it, a leader that appended a C<sub>new</sub> leaving itself out and then lost leadership
     * before replicating it can deadlock the cluster: the new members, still in the joint configuration, need its
     * vote, and it refuses them because its log is longer (MembershipCrash, seed 383).
     */
    private boolean mayCampaign(Configuration latest) {
        if (latest.isVoter(core.id())) {
            return true;
        }
        return core.configurationIndex() > core.commitIndex() && core.committedConfiguration().isVoter(core.id());
    }

    private void won() {
        if (core.role() == Role.PRE_CANDIDATE) {
            campaign(false, false);
        } else {
            core.becomeLeader();
        }
    }

    /** A message to a candidate or pre-candidate of its own term. */
    void stepCandidate(RaftMessage m) {
        if (m instanceof VoteResponse r) {
            // A granted pre-vote carries the term we would campaign in; a rejection carries the voter's term,
            // which is ours here (higher terms were handled by stepHigherTerm). Real votes carry our term.
            long term = core.term();
            boolean relevant = core.role() == Role.PRE_CANDIDATE
                    ? r.preVote() && (r.granted() ? r.term() == term + 1 : r.term() == term)
                    : !r.preVote() && r.term() == term;
            if (!relevant) {
                return;
            }
            votes.put(r.from(), r.granted());
            switch (Quorum.vote(core.configuration(), votes)) {
                case WON -> won();
                case LOST -> core.becomeFollower(term, null);
                case PENDING -> { }
            }
        } else if (m instanceof AppendRequest || m instanceof Heartbeat) {
            // §5.2: a candidate that hears from a leader of its own term steps down.
            core.becomeFollower(core.term(), m.from());
            core.stepFollower(m);
        }
    }
}
