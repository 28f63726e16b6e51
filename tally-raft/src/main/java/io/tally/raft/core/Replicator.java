package io.tally.raft.core;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Entry;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's half of log replication: per-follower progress, pipelined AppendEntries bounded by an
 * in-flight window, fast back-off on rejection, the quorum's match index (what may be committed) and heartbeats.
 * Active only while its node leads; it sees the leader only through {@link Leader}, and decides nothing about
 * commitment itself: {@link #quorumMatch()} says what a quorum holds, the leader applies the §5.4.2 rule.
 */
final class Replicator {

    /** What replication needs of the leader. */
    interface Leader {
        String id();

        long term();

        long commitIndex();

        RaftLog log();

        /** Ticks since the node started. */
        long ticks();

        /** The configuration in force (the latest in the log). */
        Configuration configuration();

        /** The latest committed configuration. */
        Configuration committedConfiguration();

        void send(RaftMessage m);

        /** {@code peer} needs entries that were compacted: stream it the latest snapshot (§7). */
        void sendSnapshot(String peer);
    }

    private final Leader core;
    private final CoreConfig cfg;
    /** The newest heartbeat round; rounds rise for as long as the node lives (ReadIndex counts on it). */
    private long round;
    private final Map<String, Progress> progress = new LinkedHashMap<>();
    /** Something changed (new entries, acknowledgements, commit) that the next flush should act on. */
    private boolean dirty;
    /**
     * Peers removed by a committed configuration that are still sent the log, so that they learn they were removed:
     * each until it holds the configuration in force, or until the tick given here (an election timeout later).
     */
    private final Map<String, Long> lingering = new java.util.HashMap<>();
    /** A non-voter used up its bytes of this tick: the next tick's flush must resume sending to it. */
    private boolean throttled;

    Replicator(Leader leader, CoreConfig cfg) {
        this.core = leader;
        this.cfg = cfg;
    }

    void start() {
        progress.clear();
        configurationChanged();
    }

    void reset() {
        progress.clear();
        lingering.clear();
        dirty = false;
    }

    /**
     * The leader's configuration, or the committed one, changed: replicate to the members of the configuration in
     * force (thesis §4.1) and, until the configuration removing them commits, to the members it removed, so that
     * they learn of their removal instead of campaigning.
     */
    void configurationChanged() {
        Set<String> ids = new java.util.LinkedHashSet<>(core.configuration().allIds());
        ids.addAll(core.committedConfiguration().allIds());
        lingering.keySet().removeIf(ids::contains); // added back
        for (String peer : progress.keySet()) {
            if (!ids.contains(peer)) {
                lingering.putIfAbsent(peer, core.ticks() + cfg.electionTicks());
            }
        }
        dropLingering();
        for (String peer : ids) {
            if (!peer.equals(core.id()) && !progress.containsKey(peer)) {
                progress.put(peer, new Progress(peer, core.log().lastIndex() + 1));
            }
        }
        for (Progress pr : progress.values()) {
            pr.learner = !core.configuration().isVoter(pr.id);
        }
        dirty = true;
    }

    void markDirty() {
        dirty = true;
    }

    /** A new tick: non-voters held back by their byte budget may be sent to again. */
    void tick() {
        if (throttled) {
            throttled = false;
            dirty = true;
        }
    }

    boolean isDirty() {
        return dirty;
    }

    /** Stops sending to removed peers that have the configuration in force, or that had an election timeout to get it. */
    private void dropLingering() {
        if (lingering.isEmpty()) {
            return;
        }
        long configIndex = core.log().latestConfigurationIndex();
        lingering.entrySet().removeIf(e -> {
            Progress pr = progress.get(e.getKey());
            boolean done = pr == null || pr.match >= configIndex || core.ticks() >= e.getValue();
            if (done) {
                progress.remove(e.getKey());
            }
            return done;
        });
    }

    /** Sends whatever each follower is due: new entries within its window, or news of a higher commit. */
    void flush() {
        dropLingering();
        if (!dirty) {
            return;
        }
        dirty = false;
        for (Progress pr : progress.values()) {
            if (!sendAppend(pr) && core.commitIndex() > pr.sentCommit) {
                sendHeartbeat(pr);
            }
        }
    }

    private boolean sendAppend(Progress pr) {
        RaftLog log = core.log();
        if (pr.state == Progress.State.SNAPSHOT) {
            return false; // waiting for the snapshot transfer
        }
        if (pr.state == Progress.State.PROBE ? pr.probeSent : pr.windowFull(cfg.maxInflight(), cfg.maxInflightBytes())) {
            return false;
        }
        if (pr.next <= log.snapshotIndex()) {
            // §7: the entries this follower needs are compacted; send it the snapshot instead.
            pr.becomeSnapshot(core.ticks());
            core.sendSnapshot(pr.id);
            return true;
        }
        if (pr.next > log.lastIndex() && (pr.state != Progress.State.PROBE || pr.match >= log.lastIndex())) {
            return false; // nothing to send; but a probe goes out even without new entries (a member just added)
        }
        boolean learner = pr.learner && cfg.learnerBytesPerTick() > 0;
        if (learner) {
            if (pr.bytesTick != core.ticks()) {
                pr.bytesTick = core.ticks();
                pr.tickBytes = 0;
            }
            if (pr.tickBytes >= cfg.learnerBytesPerTick()) {
                throttled = true;
                return false; // catch-up of a non-voter is paced: it waits for the next tick
            }
        }
        long prev = pr.next - 1;
        long prevTerm = log.term(prev);
        List<Entry> entries = log.slice(pr.next, log.lastIndex() + 1, cfg.maxAppendBytes(), cfg.maxAppendEntries());
        core.send(new AppendRequest(core.id(), pr.id, core.term(), prev, prevTerm, entries, core.commitIndex()));
        long last = prev + entries.size();
        pr.sentCommit = Math.max(pr.sentCommit, core.commitIndex());
        if (learner) {
            for (Entry e : entries) {
                pr.tickBytes += e.sizeBytes();
            }
        }
        if (pr.state == Progress.State.REPLICATE) {
            long bytes = 0;
            for (Entry e : entries) {
                bytes += e.sizeBytes();
            }
            pr.next = last + 1;
            pr.addInflight(last, bytes);
        } else {
            pr.probeSent = true;
            pr.probeSentTick = core.ticks();
        }
        return true;
    }

    /** Handles a follower's answer; returns whether its match index advanced (a commit may follow). */
    boolean handleAppendResponse(AppendResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return false;
        }
        pr.recentActive = true;
        pr.lastResponseTick = core.ticks();
        if (!r.success()) {
            // Fast back-off: if we hold entries of the follower's conflicting term, resume after our last one
            // of that term; otherwise skip the follower's whole term.
            long hint = r.conflictIndex();
            if (r.conflictTerm() > 0) {
                long idx = core.log().lastIndexOfTerm(r.conflictTerm(), r.rejectedIndex());
                if (idx > 0) {
                    hint = idx + 1;
                }
            }
            if (pr.maybeDecrTo(r.rejectedIndex(), Math.max(hint, 1))) {
                dirty = true;
            }
            return false;
        }
        boolean advanced = pr.maybeUpdate(r.matchIndex());
        if (advanced && pr.state != Progress.State.REPLICATE) {
            pr.becomeReplicate();
        }
        dirty = true;
        return advanced;
    }

    /** Handles a follower's answer to a heartbeat; returns false when it is not a peer this leader replicates to. */
    boolean handleHeartbeatResponse(HeartbeatResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return false;
        }
        pr.recentActive = true;
        if (pr.match >= core.log().lastIndex()) {
            return true;
        }
        // The follower is alive but behind: if our last AppendEntries to it looks lost, send again.
        int hb = cfg.heartbeatTicks();
        if (pr.state == Progress.State.SNAPSHOT) {
            // A transfer that has gone on for ten election timeouts without completing is presumed lost. Not so for a
            // non-voter: its transfer is paced and may take long; the runtime reports it failed if it stalls.
            if (!pr.learner && core.ticks() - pr.snapshotSentTick >= 10L * cfg.electionTicks()) {
                pr.snapshotFailed(core.ticks());
            }
        } else if (pr.state == Progress.State.PROBE) {
            if (pr.probeSent && core.ticks() - pr.probeSentTick >= hb) {
                pr.probeSent = false;
            }
        } else if (pr.hasInflight() && core.ticks() - pr.lastResponseTick >= 2L * hb) {
            pr.retransmit();
            pr.lastResponseTick = core.ticks(); // one retransmission per silent period, not per heartbeat
        }
        dirty = true;
        return true;
    }

    /**
     * The highest index replicated on a quorum of the configuration in force — counting the leader only up to its
     * durable index (thesis §10.2.1). Whether it may be committed is the leader's decision (§5.4.2).
     */
    long quorumMatch() {
        RaftLog log = core.log();
        return Quorum.committedIndex(core.configuration(), id -> {
            if (id.equals(core.id())) {
                return log.stableIndex();
            }
            Progress pr = progress.get(id);
            return pr == null ? 0 : pr.match;
        });
    }

    void snapshotDone(String peer, long lastIndex, boolean ok) {
        Progress pr = progress.get(peer);
        if (pr == null || pr.state != Progress.State.SNAPSHOT) {
            return;
        }
        if (ok) {
            pr.snapshotDelivered(lastIndex);
        } else {
            pr.snapshotFailed(core.ticks());
        }
        dirty = true;
    }

    /** Numbers a new heartbeat round (ReadIndex, leases) and returns it; {@link #sendRound} sends it. */
    long startRound() {
        return ++round;
    }

    /** Sends every follower a heartbeat of the newest round. */
    void sendRound() {
        for (Progress pr : progress.values()) {
            sendHeartbeat(pr);
        }
    }

    private void sendHeartbeat(Progress pr) {
        // Any heartbeat carries the current round: it is sent after the round began, so its echo counts for it.
        core.send(new Heartbeat(core.id(), pr.id, core.term(), core.commitIndex(), pr.match, round));
        pr.sentCommit = Math.max(pr.sentCommit, core.commitIndex());
    }

    /** CheckQuorum: whether a quorum (counting this leader) was heard from since the last call; resets. */
    boolean quorumActive() {
        Set<String> active = new HashSet<>();
        active.add(core.id());
        for (Progress pr : progress.values()) {
            if (pr.recentActive) {
                active.add(pr.id);
            }
            pr.recentActive = false;
        }
        return Quorum.isQuorum(core.configuration(), active);
    }

    Map<String, Progress> progress() {
        return progress;
    }

    /** A peer's match index, or -1 when this leader does not replicate to it. */
    long match(String peer) {
        Progress pr = progress.get(peer);
        return pr == null ? -1 : pr.match;
    }

    /**
     * The voter of {@code c} whose log matches the leader's furthest (ties broken by id), or null: a transfer's
     * target when none is named.
     */
    String mostUpToDateVoter(Configuration c) {
        String best = null;
        long bestMatch = -1;
        for (Progress pr : progress.values()) {
            if (c.isVoter(pr.id) && (pr.match > bestMatch || pr.match == bestMatch && pr.id.compareTo(best) < 0)) {
                best = pr.id;
                bestMatch = pr.match;
            }
        }
        return best;
    }

    /**
     * The voter of {@code c} that holds the leader's whole log, preferring the first that reached the highest match,
     * or null: who a leader leaving the configuration hands over to (thesis §4.2.2).
     */
    String upToDateVoter(Configuration c) {
        String successor = null;
        long best = -1;
        for (Progress pr : progress.values()) {
            if (c.isVoter(pr.id) && pr.match == core.log().lastIndex() && pr.match > best) {
                successor = pr.id;
                best = pr.match;
            }
        }
        return successor;
    }
}
