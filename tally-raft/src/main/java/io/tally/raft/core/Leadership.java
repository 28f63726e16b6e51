package io.tally.raft.core;

import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.EntryType;

import java.util.HashMap;
import java.util.Map;

/**
 * The leader side of {@link RaftCore}: its timers (heartbeats, CheckQuorum), commitment (§5.4.2), and the four parts
 * a leader runs — {@link Replicator}, {@link ReadIndex}, {@link ConfigChanger}, {@link LeadershipTransfer}. Each part
 * sees the leader only through its own narrow interface, which this class implements; none reaches into another or
 * into the core. The core tells it of every input; the driver's {@link RaftCore#endBatch()} runs its steps once per
 * batch.
 */
final class Leadership implements Replicator.Leader, ReadIndex.Leader, ConfigChanger.Leader, LeadershipTransfer.Node {

    private final RaftCore core;
    private final CoreConfig cfg;
    private final CoreClock clock;
    final Replicator replicator;
    final ReadIndex reads;
    final ConfigChanger changer;
    final LeadershipTransfer transfer;
    private int heartbeatElapsed;
    /** Ticks since the last CheckQuorum round (thesis §6.2). */
    private int quorumElapsed;

    Leadership(RaftCore core, CoreConfig cfg, CoreClock clock) {
        this.core = core;
        this.cfg = cfg;
        this.clock = clock;
        this.replicator = new Replicator(this, cfg);
        this.reads = new ReadIndex(this, cfg, clock);
        this.changer = new ConfigChanger(this, cfg);
        this.transfer = new LeadershipTransfer(this, cfg);
    }

    // ---------------------------------------------------------------- what the core tells it

    /** This node was elected: replicate to every member from the end of the log. */
    void elected() {
        heartbeatElapsed = 0;
        quorumElapsed = 0;
        replicator.start();
    }

    /** This node stops leading (or never led): reads not yet confirmed fail; replication stops. */
    void stepsDown(boolean wasLeader) {
        if (wasLeader) {
            reads.reset(); // this node can no longer prove it leads
        }
        replicator.reset();
    }

    /** A tick on the leader: replication pacing, CheckQuorum (§6.2), heartbeats. */
    void tick() {
        replicator.tick();
        heartbeatElapsed++;
        quorumElapsed++;
        if (quorumElapsed >= cfg.electionTicks()) {
            quorumElapsed = 0;
            if (cfg.checkQuorum() && !replicator.quorumActive()) {
                // Without a majority's contact for an election timeout the leader steps down, so it stops serving and
                // clients find the real leader.
                core.becomeFollower(core.term(), null);
                return;
            }
        }
        if (heartbeatElapsed >= cfg.heartbeatTicks()) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
    }

    /** A tick on any role: a membership change or transfer in progress may time out. */
    void tickAnyRole() {
        changer.onTick();
        transfer.onTick();
    }

    /** A message to the leader of its own term. A leader ignores vote responses; same-term AppendEntries cannot exist. */
    void step(RaftMessage m) {
        if (m instanceof AppendResponse r) {
            if (replicator.handleAppendResponse(r)) {
                maybeCommit();
            }
        } else if (m instanceof HeartbeatResponse r) {
            if (replicator.handleHeartbeatResponse(r)) {
                reads.acknowledged(r.from(), r.context());
            }
        }
    }

    /** The leader's own write is durable up to a new index: it may now count itself toward a commit (§10.2.1). */
    void persisted() {
        maybeCommit();
    }

    /** §5.4.2: commit the quorum's match index only if it is an entry of the current term. */
    private void maybeCommit() {
        long idx = replicator.quorumMatch();
        // Never commit an entry from an earlier term by counting replicas; it becomes committed indirectly once an entry
        // of the current term above it is.
        if (idx > core.commitIndex() && core.log().term(idx) == core.term()) {
            core.commitTo(idx);
            replicator.markDirty();
        }
    }

    /** Once per batch, before the output is taken: move changes, transfers and reads along; replicate what is due. */
    void endBatch() {
        changer.advance();
        transfer.advance();
        reads.endBatch();
        replicator.flush();
        changer.stepDownIfRemoved();
    }

    /** Whether {@link #endBatch} has anything to send. */
    boolean hasWork() {
        return replicator.isDirty() || reads.awaitsRound();
    }

    /** Roles and leaders changed: a change or transfer in progress may end. */
    void roleChanged() {
        changer.roleChanged();
        transfer.roleChanged();
    }

    void configurationChanged() {
        replicator.configurationChanged();
        reads.configurationChanged();
    }

    void changeConfiguration(long requestId, ConfigChange change, long expectedIndex, long timeoutNanos) {
        long ticks = Math.max(1, (timeoutNanos + clock.tickNanos() - 1) / clock.tickNanos()); // never ends early
        changer.request(requestId, change, expectedIndex, (int) Math.min(Integer.MAX_VALUE, ticks));
    }

    void transferLeadership(long requestId, String target) {
        transfer.request(requestId, target, cfg.electionTicks());
    }

    void snapshotDone(String peer, long lastIndex, boolean ok) {
        replicator.snapshotDone(peer, lastIndex, ok);
    }

    /** Each follower's match index. */
    Map<String, Long> matchIndexes() {
        Map<String, Long> m = new HashMap<>();
        replicator.progress().forEach((peer, pr) -> m.put(peer, pr.match));
        return m;
    }

    /** Whether {@code peer} is one this leader replicates to (a member, or one still told of its removal). */
    boolean replicatesTo(String peer) {
        return replicator.progress().containsKey(peer);
    }

    // ---------------------------------------------------------------- the parts' view of the leader

    @Override
    public String id() {
        return core.id();
    }

    @Override
    public long term() {
        return core.term();
    }

    @Override
    public Role role() {
        return core.role();
    }

    @Override
    public String leaderId() {
        return core.leaderId();
    }

    @Override
    public long commitIndex() {
        return core.commitIndex();
    }

    @Override
    public RaftLog log() {
        return core.log();
    }

    @Override
    public long lastIndex() {
        return core.log().lastIndex();
    }

    @Override
    public long ticks() {
        return core.ticks();
    }

    @Override
    public Configuration configuration() {
        return core.configuration();
    }

    @Override
    public Configuration committedConfiguration() {
        return core.committedConfiguration();
    }

    @Override
    public boolean ownTermCommitted() {
        return core.ownTermCommitted();
    }

    @Override
    public void send(RaftMessage m) {
        core.send(m);
    }

    @Override
    public void sendSnapshot(String peer) {
        core.out().snapshotSends.add(peer);
    }

    @Override
    public long broadcastHeartbeat() {
        long round = replicator.startRound();
        reads.roundSent(round); // the lease counts from before the round leaves
        replicator.sendRound();
        return round;
    }

    @Override
    public void answer(ReadState r) {
        core.out().reads.add(r);
    }

    @Override
    public void answer(AdminResult r) {
        core.out().admin.add(r);
    }

    @Override
    public long match(String peer) {
        return replicator.match(peer);
    }

    @Override
    public String mostUpToDateVoter() {
        return replicator.mostUpToDateVoter(core.configuration());
    }

    @Override
    public String upToDateVoter(Configuration c) {
        return replicator.upToDateVoter(c);
    }

    @Override
    public boolean changeInProgress() {
        return changer.hasPending();
    }

    @Override
    public boolean transferActive() {
        return transfer.active();
    }

    @Override
    public void revokeLease() {
        reads.revokeLease();
    }

    @Override
    public void wakeUp() {
        replicator.markDirty();
    }

    @Override
    public long appendConfiguration(Configuration c) {
        return core.appendAsLeader(EntryType.CONFIGURATION, ConfigurationCodec.encode(c)).index();
    }

    @Override
    public void peersChanged() {
        replicator.configurationChanged();
    }

    @Override
    public void stepDown() {
        core.becomeFollower(core.term(), null);
    }
}
