package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.HardState;
import io.tally.raft.model.ConfigChange;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol as a pure, deterministic state machine: no threads, no clock, no I/O, no locks.
 *
 * <p>Inputs: {@link #tick()}, {@link #step(RaftMessage)}, {@link #propose}, {@link #bootstrap} and
 * {@link #persisted}. After a batch of inputs the driver calls {@link #takeOutput()} and carries out the
 * {@link Output} in the order it documents. Given the same inputs and random source, the core produces the
 * same outputs.
 *
 * <p>Role-specific handling lives in {@link #stepLeader}, {@link #stepCandidate} and {@link #stepFollower};
 * leader replication and commitment in {@link Replicator}.
 */
public final class RaftCore {

    final String id;
    final CoreConfig cfg;
    final CoreClock clock;
    private final RandomGenerator random;
    final RaftLog log;
    final OutputBuffer out = new OutputBuffer();

    long term;
    String votedFor;
    Role role = Role.FOLLOWER;
    String leaderId;
    long commitIndex;
    /**
     * Follower: the index up to which this log is known to match the current leader's, from AppendEntries
     * this node accepted in the current term. Reset whenever the term or leader changes. A heartbeat's commit
     * index is only trusted up to here.
     */
    private long leaderMatchIndex;
    /** Committed entries up to here have been handed to the driver for applying. */
    private long emittedIndex;

    /** Ticks since start; used for time-based decisions in ticks. */
    long ticks;
    private int electionElapsed;
    private int randomizedElectionTimeout;
    private int heartbeatElapsed;
    /**
     * Clock reading when this node last heard from the leader it knows ({@link #leaderId}), or was told of one by
     * a message of a higher term: the vote lease (thesis §4.2.3) runs an election timeout from here.
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

    private final Map<String, Boolean> votes = new HashMap<>();
    private Configuration config;
    private Configuration committedConfig;
    private long committedConfigIndex = -1;
    final Replicator replicator;
    final ReadIndex reads;
    final ConfigChanger changer;
    final LeadershipTransfer transfer;

    /**
     * Creates a core over a recovered log and hard state.
     *
     * @param clock the tick length and the node's monotonic clock (leases are measured on it)
     * @param log   the log as recovered from storage (everything in it is durable)
     */
    public RaftCore(String id, CoreConfig cfg, CoreClock clock, RandomGenerator random, HardState hardState, RaftLog log) {
        this.id = id;
        this.cfg = cfg;
        this.clock = clock;
        this.random = random;
        this.startedAt = clock.now();
        this.log = log;
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.commitIndex = log.snapshotIndex();
        this.emittedIndex = log.snapshotIndex();
        this.config = log.latestConfiguration();
        this.leaderMatchIndex = log.snapshotIndex();
        this.replicator = new Replicator(this);
        this.reads = new ReadIndex(this);
        this.changer = new ConfigChanger(this);
        this.transfer = new LeadershipTransfer(this);
        resetElectionTimer();
    }

    // ---------------------------------------------------------------- queries

    public String id() {
        return id;
    }

    public long term() {
        return term;
    }

    public String votedFor() {
        return votedFor;
    }

    public Role role() {
        return role;
    }

    /** The leader of the current term as far as this node knows, or null. */
    public String leaderId() {
        return leaderId;
    }

    public long commitIndex() {
        return commitIndex;
    }

    public long lastIndex() {
        return log.lastIndex();
    }

    public RaftLog log() {
        return log;
    }

    /** On a leader, each follower's match index; empty otherwise. */
    public java.util.Map<String, Long> followerMatchIndexes() {
        if (role != Role.LEADER) {
            return java.util.Map.of();
        }
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        replicator.progress().forEach((peer, pr) -> m.put(peer, pr.match));
        return m;
    }

    /** Index of the entry holding {@link #configuration()} (the snapshot's index when the snapshot holds it). */
    public long configurationIndex() {
        return log.latestConfigurationIndex();
    }

    /** Whether this leader is handing over leadership (it refuses proposals meanwhile). */
    public boolean transferringLeadership() {
        return role == Role.LEADER && transfer.active();
    }

    /** The latest configuration in the log, committed or not; it is the one in force (thesis §4.1). */
    public Configuration configuration() {
        return config;
    }

    /** The latest configuration at or below the commit index (decoded once per configuration entry). */
    public Configuration committedConfiguration() {
        long at = log.configurationIndexAtOrBelow(commitIndex);
        if (at != committedConfigIndex || committedConfig == null) {
            committedConfig = log.configurationAtOrBelow(commitIndex);
            committedConfigIndex = at;
        }
        return committedConfig;
    }

    // ---------------------------------------------------------------- inputs

    /**
     * A linearizable read (ReadIndex, thesis §6.4): answered in {@link Output#reads} with the index the state
     * machine must have applied before the read is served, once this leader has confirmed it still leads;
     * answered with a failure at once on a non-leader, or later if leadership is lost first.
     */
    public void readIndex(long requestId) {
        if (role != Role.LEADER) {
            out.reads.add(new ReadState(requestId, -1));
        } else {
            reads.request(requestId);
        }
    }

    /**
     * A read under the leader lease (thesis §6.4.1; needs CheckQuorum): answered at once while the lease holds,
     * otherwise like {@link #readIndex}. Relies on bounded clock drift ({@link CoreConfig#leaseDriftTicks}).
     */
    public void leaseRead(long requestId) {
        if (role != Role.LEADER) {
            out.reads.add(new ReadState(requestId, -1));
        } else {
            reads.leaseRequest(requestId);
        }
    }

    /**
     * Changes the membership by joint consensus ({@link ConfigChanger}); answered in {@link Output#admin}.
     *
     * @param expectedIndex the configuration index the change is based on (fails with CONFLICT if the
     *                      configuration has moved on), or -1 for any
     * @param timeoutTicks  how long the change may take; catch-up that has not finished by then fails
     */
    public void changeConfiguration(long requestId, ConfigChange change, long expectedIndex, int timeoutTicks) {
        changer.request(requestId, change, expectedIndex, timeoutTicks);
    }

    /**
     * Transfers leadership to {@code target}, or to the most up-to-date voter when null ({@link LeadershipTransfer});
     * answered in {@link Output#admin}. Aborted if the target has not taken over after an election timeout.
     */
    public void transferLeadership(long requestId, String target) {
        transfer.request(requestId, target, cfg.electionTicks());
    }

    /** Bootstraps a brand-new cluster: the configuration becomes entry 1 of term 1 on every initial member. */
    public void bootstrap(Configuration c) {
        Configuration.requireValidBootstrap(c);
        if (term != 0 || !log.isEmpty()) {
            throw new IllegalStateException("node " + id + " already has state (term " + term + ", last index " + log.lastIndex() + ")");
        }
        term = 1;
        out.hardStateDirty = true;
        appendLocal(new Entry(1, 1, EntryType.CONFIGURATION, ConfigurationCodec.encode(c)));
        noteRole();
    }

    /** One unit of logical time. */
    public void tick() {
        ticks++;
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
        changer.onTick();
        transfer.onTick();
    }

    /**
     * Appends a new entry of the current term if this node is the leader.
     *
     * @return the appended entry, or null when this node is not the leader
     */
    public Entry propose(EntryType type, byte[] data) {
        if (role != Role.LEADER || transfer.active()) {
            return null; // a leader handing over takes no new proposals (thesis §3.10)
        }
        if (type == EntryType.CONFIGURATION) {
            throw new IllegalArgumentException("configurations are changed through changeConfiguration");
        }
        return appendAsLeader(type, data);
    }

    /** Appends an entry of the current term on this leader and schedules its replication. */
    Entry appendAsLeader(EntryType type, byte[] data) {
        Entry e = new Entry(log.lastIndex() + 1, term, type, data);
        appendLocal(e);
        replicator.markDirty();
        return e;
    }

    /** The driver's log writer made entries up to (index, term) durable. */
    public void persisted(long index, long term) {
        if (log.stableTo(index, term) && role == Role.LEADER) {
            // The leader counts itself toward the commit quorum only once its own write is durable
            // (thesis §10.2.1).
            replicator.maybeCommit();
        }
    }

    /**
     * The runtime holds a durable snapshot covering the log up to at least {@code upTo}: discard those entries
     * (§7). Only committed, durable entries are ever compacted; a follower that later needs them gets the
     * snapshot instead (InstallSnapshot).
     */
    public void compact(long upTo) {
        long limit = Math.min(upTo, Math.min(commitIndex, Math.min(log.stableIndex(), emittedIndex)));
        if (limit > log.snapshotIndex()) {
            log.compactTo(limit);
            out.compactUpTo = Math.max(out.compactUpTo, limit);
        }
    }

    /**
     * The runtime received, from {@code from} as leader of {@code leaderTerm}, a complete snapshot and made it
     * durable in the snapshot store (InstallSnapshot, §7). The log keeps a suffix that follows the snapshot
     * consistently, else it is discarded; the state machine is restored from the snapshot.
     */
    public void snapshotReceived(String from, long leaderTerm, SnapshotPoint p) {
        if (leaderTerm < term) {
            return; // from a deposed leader: ignore (the snapshot is harmless in the store)
        }
        if (leaderTerm > term || role != Role.FOLLOWER) {
            becomeFollower(leaderTerm, from);
        }
        heardFromLeader(from);
        if (p.index() <= commitIndex) {
            send(AppendResponse.success(id, from, term, commitIndex)); // we already have all of it
            return;
        }
        long oldFirst = log.firstIndex();
        if (!log.installSnapshot(p.index(), p.term(), p.configuration())) {
            out.truncated(oldFirst);
        }
        out.compactUpTo = Math.max(out.compactUpTo, p.index());
        out.restore = p;
        commitIndex = p.index();
        emittedIndex = p.index();
        leaderMatchIndex = Math.max(leaderMatchIndex, p.index());
        configurationMayHaveChanged();
        send(AppendResponse.success(id, from, term, p.index()));
    }

    /**
     * The runtime finished streaming a snapshot ending at {@code lastIndex} to {@code peer}: on success the
     * leader probes right after it (the follower's own answer may be lost); on failure it tries again later.
     */
    public void snapshotDone(String peer, long lastIndex, boolean ok) {
        if (role == Role.LEADER) {
            replicator.snapshotDone(peer, lastIndex, ok);
        }
    }

    /** Handles a message from another node. */
    public void step(RaftMessage m) {
        if (!m.to().equals(id) || m.from().equals(id)) {
            return; // misrouted
        }
        if (!actsOn(m)) {
            return;
        }
        if (m.term() > term) {
            if (!stepHigherTerm(m)) {
                return;
            }
        } else if (m.term() < term) {
            stepLowerTerm(m);
            return;
        }
        if (m instanceof VoteRequest v) {
            handleVoteRequest(v);
            return;
        }
        switch (role) {
            case LEADER -> stepLeader(m);
            case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
            case FOLLOWER -> stepFollower(m);
        }
    }

    /** Collects what the driver must do for the inputs since the last call. */
    public Output takeOutput() {
        if (role == Role.LEADER) {
            changer.advance();
            transfer.advance();
            reads.commitMayHaveAdvanced();
            replicator.flush();
            changer.stepDownIfRemoved();
        }
        long applyUpTo = Math.min(commitIndex, log.stableIndex());
        List<Entry> committed = List.of();
        if (applyUpTo > emittedIndex) {
            committed = log.slice(emittedIndex + 1, applyUpTo + 1, Long.MAX_VALUE);
            emittedIndex = applyUpTo;
        }
        HardState hs = out.hardStateDirty ? new HardState(term, votedFor) : null;
        return out.drain(hs, committed);
    }

    /** Whether {@link #takeOutput()} has anything to report. */
    public boolean hasOutput() {
        return out.hasAny() || (role == Role.LEADER && replicator.isDirty())
                || Math.min(commitIndex, log.stableIndex()) > emittedIndex;
    }

    /**
     * Whether this node acts on {@code m} at all. Votes, vote requests and replication answers count only from the
     * members of the configuration in force or the committed one (a server being added is a member from the moment
     * its configuration entry is appended, thesis §4.1), and, on a leader, from peers it still replicates to (members
     * being told of their removal). Anything else — a removed member campaigning, a stranger — could only disturb:
     * raise terms, depose the leader, or sway a vote. A node with no configuration (empty, waiting to be added) or
     * outside its own configuration (removed, perhaps to be added back) takes messages from anyone.
     *
     * <p>A leader's own messages (AppendEntries, heartbeats, TimeoutNow) are taken from any id: a member whose
     * configuration is stale (it missed the entry that added today's leader) must still follow that leader to learn
     * it, and only a leader elected by a quorum of members ever sends them with a current term. Who may speak for an
     * id on the wire is the transport's business (its handshake).
     */
    private boolean actsOn(RaftMessage m) {
        if (m instanceof AppendRequest || m instanceof Heartbeat || m instanceof TimeoutNow) {
            return true;
        }
        if (!config.contains(id)) {
            return true;
        }
        String from = m.from();
        return config.contains(from) || committedConfiguration().contains(from)
                || (role == Role.LEADER && replicator.progress().containsKey(from));
    }

    // ---------------------------------------------------------------- term rules

    /**
     * A message from a higher term. Returns false when the message must be dropped.
     */
    private boolean stepHigherTerm(RaftMessage m) {
        if (m instanceof VoteRequest v) {
            // §4.2.3 of the thesis: a node that heard from a leader within the minimum election timeout
            // neither grants a vote nor raises its term, so a removed or partitioned node cannot disrupt a
            // healthy cluster. Transfers (TimeoutNow) are exempt.
            if (!v.transfer() && inLease()) {
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
        becomeFollower(m.term(), leader);
        return true;
    }

    private void stepLowerTerm(RaftMessage m) {
        // Answer stale leaders and candidates with our term so they step down; drop stale responses.
        if (m instanceof AppendRequest a) {
            send(new AppendResponse(id, a.from(), term, false, 0, a.prevLogIndex(), 0, 0));
        } else if (m instanceof Heartbeat h) {
            send(new HeartbeatResponse(id, h.from(), term));
        } else if (m instanceof VoteRequest v) {
            send(new VoteResponse(id, v.from(), term, false, v.preVote()));
        }
    }

    /**
     * Whether an entry of this node's current term is committed. Until then a new leader's commit index may lag
     * the cluster's: ReadIndex waits for it (thesis §6.4), and so does appending a configuration (raft-dev, 2015).
     */
    boolean ownTermCommitted() {
        return log.term(commitIndex) == term;
    }

    /**
     * The vote lease (thesis §4.2.3, with CheckQuorum): within an election timeout of hearing from a leader, or of
     * starting, this node grants no vote and does not adopt a higher term from a vote request. Measured on the
     * monotonic clock: a follower whose timer fires late must not vote early.
     */
    private boolean inLease() {
        if (!cfg.checkQuorum()) {
            return false;
        }
        long now = clock.now();
        long timeout = clock.ofTicks(cfg.electionTicks());
        return (leaderId != null && now - leaderContactAt < timeout) || (startLease && now - startedAt < timeout);
    }

    /**
     * Forgets the lease a start counts as (see {@link #startedAt}). Only for the simulator's control runs, which
     * show what that lease prevents; a node in production never calls it.
     */
    public void dropStartVoteLease() {
        startLease = false;
    }

    // ---------------------------------------------------------------- elections

    private void handleVoteRequest(VoteRequest v) {
        boolean upToDate = log.isUpToDate(v.lastLogIndex(), v.lastLogTerm());
        if (v.preVote()) {
            // Grant if the candidate could win: its log is up to date and its proposed term is ahead of ours.
            // (A node in contact with a leader never gets here for a higher term: see stepHigherTerm.)
            boolean grant = upToDate && v.term() > term;
            send(new VoteResponse(id, v.from(), grant ? v.term() : term, grant, true));
            return;
        }
        // §5.2, §5.4.1: one vote per term, only for candidates whose log is at least as up to date.
        boolean grant = (votedFor == null || votedFor.equals(v.from())) && upToDate && leaderId == null;
        if (grant) {
            votedFor = v.from();
            out.hardStateDirty = true;
            electionElapsed = 0;
        }
        send(new VoteResponse(id, v.from(), term, grant, false));
    }

    private void tickElection() {
        electionElapsed++;
        if (electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            campaign(cfg.preVote(), false);
        }
    }

    /** Whether this node may campaign: it must be a voter of its latest configuration. */
    private boolean promotable() {
        return config.isVoter(id);
    }

    void campaign(boolean preVote, boolean transfer) {
        if (!promotable()) {
            resetElectionTimer();
            return;
        }
        long campaignTerm;
        if (preVote) {
            role = Role.PRE_CANDIDATE;
            leaderId = null;
            campaignTerm = term + 1;
            noteRole();
        } else {
            becomeCandidate();
            campaignTerm = term;
        }
        votes.clear();
        votes.put(id, true);
        resetElectionTimer();
        if (Quorum.vote(config, votes) == Quorum.VoteResult.WON) {
            onElectionWon();
            return;
        }
        for (String peer : config.allIds()) {
            if (!peer.equals(id) && config.isVoter(peer)) {
                send(new VoteRequest(id, peer, campaignTerm, log.lastIndex(), log.lastTerm(), preVote, transfer));
            }
        }
    }

    private void onElectionWon() {
        if (role == Role.PRE_CANDIDATE) {
            campaign(false, false);
        } else {
            becomeLeader();
        }
    }

    private void stepCandidate(RaftMessage m) {
        if (m instanceof VoteResponse r) {
            // A granted pre-vote carries the term we would campaign in; a rejection carries the voter's term,
            // which is ours here (higher terms were handled by stepHigherTerm). Real votes carry our term.
            boolean relevant = role == Role.PRE_CANDIDATE
                    ? r.preVote() && (r.granted() ? r.term() == term + 1 : r.term() == term)
                    : !r.preVote() && r.term() == term;
            if (!relevant) {
                return;
            }
            votes.put(r.from(), r.granted());
            switch (Quorum.vote(config, votes)) {
                case WON -> onElectionWon();
                case LOST -> becomeFollower(term, null);
                case PENDING -> { }
            }
        } else if (m instanceof AppendRequest || m instanceof Heartbeat) {
            // §5.2: a candidate that hears from a leader of its own term steps down.
            becomeFollower(term, m.from());
            stepFollower(m);
        }
    }

    // ---------------------------------------------------------------- follower

    private void stepFollower(RaftMessage m) {
        if (m instanceof AppendRequest a) {
            heardFromLeader(a.from());
            handleAppend(a);
        } else if (m instanceof Heartbeat h) {
            heardFromLeader(h.from());
            // Entries up to leaderMatchIndex match the leader's log: we accepted them from this leader in this
            // term (§5.3 check passed), or the leader holds our acknowledgement for them (they were durable
            // when we acknowledged, so they survive our restarts). Those entries are committed as far as
            // the leader's commit index reaches.
            leaderMatchIndex = Math.max(leaderMatchIndex, Math.min(h.match(), log.lastIndex()));
            commitTo(Math.min(h.commit(), leaderMatchIndex));
            send(new HeartbeatResponse(id, h.from(), term, h.context()));
        } else if (m instanceof TimeoutNow t) {
            if (t.from().equals(leaderId)) {
                campaign(false, true); // thesis §3.10: skip PreVote, disregard leases
            }
        }
    }

    private void heardFromLeader(String leader) {
        electionElapsed = 0;
        leaderContactAt = clock.now();
        if (!leader.equals(leaderId)) {
            leaderId = leader;
            leaderMatchIndex = log.snapshotIndex();
            noteRole();
        }
    }

    private void handleAppend(AppendRequest a) {
        if (a.prevLogIndex() < commitIndex) {
            // Everything up to our commit index is known to match; acknowledge what we can vouch for.
            leaderMatchIndex = Math.max(leaderMatchIndex, commitIndex);
            send(AppendResponse.success(id, a.from(), term, commitIndex));
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
            send(new AppendResponse(id, a.from(), term, false, 0, a.prevLogIndex(), conflictTerm, conflictIndex));
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
                truncateLocal(e.index());
            }
            appendLocal(e);
        }
        long lastNew = a.lastIndex();
        leaderMatchIndex = Math.max(leaderMatchIndex, lastNew);
        commitTo(Math.min(a.leaderCommit(), lastNew));
        send(AppendResponse.success(id, a.from(), term, lastNew));
    }

    private void commitTo(long index) {
        if (index > commitIndex) {
            commitIndex = index;
        }
    }

    // ---------------------------------------------------------------- leader

    private void tickLeader() {
        replicator.tick();
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= cfg.electionTicks()) {
            electionElapsed = 0;
            if (cfg.checkQuorum() && !replicator.quorumActive()) {
                // CheckQuorum (thesis §6.2): without a majority's contact for an election timeout the leader
                // steps down, so it stops serving and clients find the real leader.
                becomeFollower(term, null);
                return;
            }
        }
        if (heartbeatElapsed >= cfg.heartbeatTicks()) {
            heartbeatElapsed = 0;
            replicator.broadcastHeartbeat();
        }
    }

    private void stepLeader(RaftMessage m) {
        if (m instanceof AppendResponse r) {
            replicator.handleAppendResponse(r);
        } else if (m instanceof HeartbeatResponse r) {
            replicator.handleHeartbeatResponse(r);
        }
        // A leader ignores vote responses and same-term AppendEntries cannot exist (election safety).
    }

    // ---------------------------------------------------------------- role transitions

    void becomeFollower(long newTerm, String leader) {
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
            out.hardStateDirty = true;
        }
        if (role == Role.LEADER) {
            reads.reset(); // reads not yet confirmed fail: this node can no longer prove it leads
        }
        role = Role.FOLLOWER;
        leaderId = leader;
        if (leader != null) {
            leaderContactAt = clock.now();
        }
        leaderMatchIndex = log.snapshotIndex(); // a snapshot is committed, so it matches every leader
        replicator.reset();
        resetElectionTimer();
        noteRole();
    }

    private void becomeCandidate() {
        term++;
        votedFor = id;
        out.hardStateDirty = true;
        role = Role.CANDIDATE;
        leaderId = null;
        noteRole();
    }

    private void becomeLeader() {
        role = Role.LEADER;
        leaderId = id;
        heartbeatElapsed = 0;
        electionElapsed = 0;
        replicator.start();
        noteRole();
        // §8: a no-op of the new term lets the leader commit entries of earlier terms (§5.4.2) promptly.
        propose(EntryType.NOOP, null);
    }

    private void resetElectionTimer() {
        electionElapsed = 0;
        randomizedElectionTimeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
    }

    private void noteRole() {
        out.roleChanges.add(new RoleChange(term, role, leaderId));
        changer.roleChanged();
        transfer.roleChanged();
    }

    // ---------------------------------------------------------------- log mutation

    void appendLocal(Entry e) {
        log.append(e);
        out.appended(e);
        if (e.type() == EntryType.CONFIGURATION) {
            configurationMayHaveChanged();
        }
    }

    private void truncateLocal(long from) {
        boolean hadConfig = log.latestConfigurationIndex() >= from;
        log.truncateFrom(from);
        out.truncated(from);
        if (hadConfig) {
            configurationMayHaveChanged();
        }
    }

    void configurationMayHaveChanged() {
        Configuration latest = log.latestConfiguration();
        if (!latest.equals(config)) {
            config = latest;
            out.configurationChanged = true;
            if (role == Role.LEADER) {
                replicator.configurationChanged();
            }
        }
    }

    void send(RaftMessage m) {
        out.send(m, mayLeaveBeforePersist(m));
    }

    /**
     * The persistence contract: a message may leave before the pending writes only if it depends on nothing
     * that is not yet durable — no changed term or vote (this holds for a leader too: a single voter wins
     * its election in the batch that raised its term), and no acknowledgement of entries beyond the durable
     * watermark. A leader's AppendEntries may leave before its own entries are durable (thesis §10.2.1).
     */
    private boolean mayLeaveBeforePersist(RaftMessage m) {
        if (out.hardStateDirty) {
            return false;
        }
        if (m instanceof AppendResponse r && r.success()) {
            return r.matchIndex() <= log.stableIndex();
        }
        return true;
    }
}
