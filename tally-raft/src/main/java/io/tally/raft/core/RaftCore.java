package io.tally.raft.core;

import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.HardState;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The Raft protocol as a pure, deterministic state machine: no threads, no I/O, no locks; randomness and the clock
 * ({@link CoreClock}, read only for leases) are injected.
 *
 * <p>Inputs: {@link #tick()}, {@link #step(RaftMessage)}, {@link #propose}, {@link #bootstrap}, {@link #persisted},
 * reads, membership changes, transfers and snapshots. After a batch of inputs the driver calls {@link #endBatch()}
 * (the leader's once-per-batch steps) and {@link #takeOutput()}, and carries out the {@link Output} in the order it
 * documents. Given the same inputs, random source and clock readings, the core produces the same outputs.
 *
 * <p>The core holds the state every role shares — term, vote, role, leader, commit index, the log and the
 * configuration — and the term rules. Role-specific handling lives apart: {@link Elections} (timer, campaigns,
 * votes, vote leases), {@link Following} (AppendEntries, heartbeats) and {@link Leadership} (replication, commitment,
 * reads, membership changes, transfers).
 */
public final class RaftCore {

    private final String id;
    private final RaftLog log;
    private final OutputBuffer out = new OutputBuffer();
    private final Elections elections;
    private final Following following;
    private final Leadership leadership;

    private long term;
    private String votedFor;
    private Role role = Role.FOLLOWER;
    private String leaderId;
    private long commitIndex;
    /** Committed entries up to here have been handed to the driver for applying. */
    private long emittedIndex;
    /** Ticks since start. */
    private long ticks;
    private Configuration config;
    private Configuration committedConfig;
    private long committedConfigIndex = -1;

    /**
     * Creates a core over a recovered log and hard state.
     *
     * @param clock the tick length and the node's monotonic clock (leases are measured on it)
     * @param log   the log as recovered from storage (everything in it is durable)
     */
    public RaftCore(String id, CoreConfig cfg, CoreClock clock, RandomGenerator random, HardState hardState, RaftLog log) {
        this.id = id;
        this.log = log;
        this.elections = new Elections(this, cfg, clock, random);
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.commitIndex = log.snapshotIndex();
        this.emittedIndex = log.snapshotIndex();
        this.config = log.latestConfiguration();
        this.following = new Following(this, log.snapshotIndex());
        this.leadership = new Leadership(this, cfg, clock);
        elections.resetTimer();
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

    /** The leader's commit index as last heard: its own on the leader, 0 until this term's leader spoke (NodeStatus). */
    public long leaderCommitIndex() { return role == Role.LEADER ? commitIndex : following.leaderCommit(); }

    public RaftLog log() {
        return log;
    }

    /** On a leader, each follower's match index; empty otherwise. */
    public Map<String, Long> followerMatchIndexes() {
        return role == Role.LEADER ? leadership.matchIndexes() : Map.of();
    }

    /** Index of the entry holding {@link #configuration()} (the snapshot's index when the snapshot holds it). */
    public long configurationIndex() {
        return log.latestConfigurationIndex();
    }

    /** Whether this leader is handing over leadership (it refuses proposals meanwhile). */
    public boolean transferringLeadership() {
        return role == Role.LEADER && leadership.transfer.active();
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
            leadership.reads.request(requestId);
        }
    }

    /**
     * A read under the leader lease (thesis §6.4.1; needs CheckQuorum): answered at once while the lease holds,
     * otherwise like {@link #readIndex}. Relies on bounded clock drift ({@link CoreConfig#maxClockDriftRate}).
     */
    public void leaseRead(long requestId) {
        if (role != Role.LEADER) {
            out.reads.add(new ReadState(requestId, -1));
        } else {
            leadership.reads.leaseRequest(requestId);
        }
    }

    /**
     * Changes the membership by joint consensus ({@link ConfigChanger}); answered in {@link Output#admin}.
     *
     * @param expectedIndex the configuration index the change is based on (fails with CONFLICT if the
     *                      configuration has moved on), or -1 for any
     * @param timeoutNanos  how long the change may take; catch-up that has not finished by then fails
     */
    public void changeConfiguration(long requestId, ConfigChange change, long expectedIndex, long timeoutNanos) {
        leadership.changeConfiguration(requestId, change, expectedIndex, timeoutNanos);
    }

    /**
     * Transfers leadership to {@code target}, or to the most up-to-date voter when null ({@link LeadershipTransfer});
     * answered in {@link Output#admin}. Aborted if the target has not taken over after an election timeout.
     */
    public void transferLeadership(long requestId, String target) {
        leadership.transferLeadership(requestId, target);
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
            leadership.tick();
        } else {
            elections.tick();
        }
        leadership.tickAnyRole();
    }

    /**
     * Appends a new entry of the current term if this node is the leader.
     *
     * @return the appended entry, or null when this node is not the leader
     */
    public Entry propose(EntryType type, byte[] data) {
        if (role != Role.LEADER || leadership.transfer.active()) {
            return null; // a leader handing over takes no new proposals (thesis §3.10)
        }
        if (type == EntryType.CONFIGURATION) {
            throw new IllegalArgumentException("configurations are changed through changeConfiguration");
        }
        return appendAsLeader(type, data);
    }

    /** The driver's log writer made entries up to (index, term) durable. */
    public void persisted(long index, long term) {
        if (log.stableTo(index, term) && role == Role.LEADER) {
            leadership.persisted(); // the leader counts itself toward a commit only once durable (thesis §10.2.1)
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
            return; // from a deposed leader: ignore (recovery reconciles the stores should the node restart now)
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
        following.matchesUpTo(p.index());
        configurationMayHaveChanged();
        send(AppendResponse.success(id, from, term, p.index()));
    }

    /**
     * The runtime finished streaming a snapshot ending at {@code lastIndex} to {@code peer}: on success the
     * leader probes right after it (the follower's own answer may be lost); on failure it tries again later.
     */
    public void snapshotDone(String peer, long lastIndex, boolean ok) {
        if (role == Role.LEADER) {
            leadership.snapshotDone(peer, lastIndex, ok);
        }
    }

    /**
     * Forgets the vote lease a start counts as ({@link Elections}). Only for the simulator's control runs, which show
     * what that lease prevents; a node in production never calls it.
     */
    public void dropStartVoteLease() {
        elections.dropStartLease();
    }

    /** Handles a message from another node. */
    public void step(RaftMessage m) {
        if (!m.to().equals(id) || m.from().equals(id)) {
            return; // misrouted
        }
        if (!TermRules.actsOn(this, m)) {
            return;
        }
        if (m.term() > term) {
            if (!TermRules.stepHigherTerm(this, m)) {
                return;
            }
        } else if (m.term() < term) {
            TermRules.stepLowerTerm(this, m);
            return;
        }
        if (m instanceof VoteRequest v) {
            elections.handleVoteRequest(v);
            return;
        }
        switch (role) {
            case LEADER -> leadership.step(m);
            case CANDIDATE, PRE_CANDIDATE -> elections.stepCandidate(m);
            case FOLLOWER -> following.step(m);
        }
    }

    /**
     * The driver finished a batch of inputs: a leader moves membership changes, transfers and waiting reads along
     * and sends what each follower is due, once for the whole batch (so that proposals that arrived together leave
     * in one AppendEntries). Call it before {@link #takeOutput()}.
     */
    public void endBatch() {
        if (role == Role.LEADER) {
            leadership.endBatch();
        }
    }

    /** Collects what the driver must do for the inputs since the last call. */
    public Output takeOutput() {
        long applyUpTo = Math.min(commitIndex, log.stableIndex());
        List<Entry> committed = List.of();
        if (applyUpTo > emittedIndex) {
            committed = log.slice(emittedIndex + 1, applyUpTo + 1, Long.MAX_VALUE);
            emittedIndex = applyUpTo;
        }
        HardState hs = out.hardStateDirty ? new HardState(term, votedFor) : null;
        return out.drain(hs, committed);
    }

    /** Whether {@link #endBatch()} and {@link #takeOutput()} have anything to do. */
    public boolean hasOutput() {
        return out.hasAny() || (role == Role.LEADER && leadership.hasWork())
                || Math.min(commitIndex, log.stableIndex()) > emittedIndex;
    }

    /**
     * Whether an entry of this node's current term is committed. Until then a new leader's commit index may lag
     * the cluster's: ReadIndex waits for it (thesis §6.4), and so does appending a configuration (raft-dev, 2015).
     */
    boolean ownTermCommitted() {
        return log.term(commitIndex) == term;
    }

    // ---------------------------------------------------------------- what the role classes may change

    long ticks() {
        return ticks;
    }

    Elections elections() {
        return elections;
    }

    /** Whether this leader still replicates to {@code peer} (a member, or one being told of its removal). */
    boolean leaderReplicatesTo(String peer) {
        return role == Role.LEADER && leadership.replicatesTo(peer);
    }

    /** The leader side (package tests look at its parts' state). */
    Leadership leadership() {
        return leadership;
    }

    /** Raises the commit index (never lowers it). Only committed entries reach here: the caller proved them so. */
    void commitTo(long index) {
        if (index > commitIndex) {
            commitIndex = index;
        }
    }

    /** Grants this term's vote to {@code candidate}; durable before the grant leaves (the persistence contract). */
    void voteFor(String candidate) {
        votedFor = candidate;
        out.hardStateDirty = true;
    }

    /** Heard from {@code leader} of this term: the election timer and vote lease restart; a new leader is noted. */
    void heardFromLeader(String leader) {
        elections.heardFromLeader();
        if (!leader.equals(leaderId)) {
            leaderId = leader;
            following.reset(log.snapshotIndex());
            noteRole();
        }
    }

    void stepFollower(RaftMessage m) {
        following.step(m);
    }

    /** What the leader side reports directly: reads answered, changes and transfers answered, snapshots to send. */
    OutputBuffer out() {
        return out;
    }

    // ---------------------------------------------------------------- role transitions

    void becomeFollower(long newTerm, String leader) {
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
            out.hardStateDirty = true;
        }
        boolean wasLeader = role == Role.LEADER;
        role = Role.FOLLOWER;
        leaderId = leader;
        if (leader != null) {
            elections.leaderLearned();
        }
        following.reset(log.snapshotIndex()); // a snapshot is committed, so it matches every leader
        leadership.stepsDown(wasLeader);
        elections.resetTimer();
        noteRole();
    }

    void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        leaderId = null;
        noteRole();
    }

    void becomeCandidate() {
        term++;
        votedFor = id;
        out.hardStateDirty = true;
        role = Role.CANDIDATE;
        leaderId = null;
        noteRole();
    }

    void becomeLeader() {
        role = Role.LEADER;
        leaderId = id;
        leadership.elected();
        noteRole();
        // §8: a no-op of the new term lets the leader commit entries of earlier terms (§5.4.2) promptly.
        propose(EntryType.NOOP, null);
    }

    private void noteRole() {
        out.roleChanges.add(new RoleChange(term, role, leaderId));
        leadership.roleChanged();
    }

    // ---------------------------------------------------------------- log mutation

    /** Appends an entry of the current term on this leader and schedules its replication. */
    Entry appendAsLeader(EntryType type, byte[] data) {
        Entry e = new Entry(log.lastIndex() + 1, term, type, data);
        appendLocal(e);
        leadership.wakeUp();
        return e;
    }

    void appendLocal(Entry e) {
        log.append(e);
        out.appended(e);
        if (e.type() == EntryType.CONFIGURATION) {
            configurationMayHaveChanged();
        }
    }

    void truncateLocal(long from) {
        boolean hadConfig = log.latestConfigurationIndex() >= from;
        log.truncateFrom(from);
        out.truncated(from);
        if (hadConfig) {
            configurationMayHaveChanged();
        }
    }

    private void configurationMayHaveChanged() {
        Configuration latest = log.latestConfiguration();
        if (!latest.equals(config)) {
            config = latest;
            out.configurationChanged = true;
            if (role == Role.LEADER) {
                leadership.configurationChanged();
            }
        }
    }

    /** Queues {@code m}, to leave at once or after the pending persist ({@link OutputBuffer#send}). */
    void send(RaftMessage m) {
        out.send(m, log.stableIndex());
    }
}
