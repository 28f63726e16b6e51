package io.tally.raft.core;

import io.tally.raft.model.Configuration;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Linearizable reads without log writes (Raft thesis §6.4), and leader leases (§6.4.1). Owned by a leader; reset
 * whenever it stops leading. It sees the leader only through {@link Leader}.
 *
 * <p>ReadIndex: a read is served at the commit index as it stands when the read arrives, once (1) an entry
 * of the leader's own term is committed — before that, the leader's commit index may lag entries committed
 * by earlier leaders — and (2) a majority has acknowledged a heartbeat round sent after the read arrived,
 * which proves no newer leader existed at that moment. Rounds are numbered by the replication; a follower echoes
 * the number it answers, and an echo of round r acknowledges every read registered at or before r. The reads of
 * one batch share one round, sent at the batch's end ({@link #endBatch}).
 *
 * <p>Leases (§6.4.1): followers refuse votes for an election timeout after hearing from a leader (CheckQuorum's
 * vote lease, measured on their monotonic clocks), so no other leader can arise until an election timeout after
 * the last round a majority acknowledged — counted from when this leader <em>sent</em> that round, which is no
 * later than when the followers received it. Lease reads are served until (electionTicks − leaseDriftTicks)
 * ticks' worth of <em>time</em> after that send, read on this node's monotonic clock when the read is decided,
 * and only with CheckQuorum on. Time, not ticks: a paused leader (GC, SIGSTOP, a starved timer) counts one tick
 * for a pause of any length, and would come back trusting a lease that ran out long ago. The drift margin covers
 * clocks whose rates differ by up to {@link CoreConfig#maxClockDriftRate()}. A leadership transfer (TimeoutNow)
 * bypasses vote leases, so it must end the lease first ({@link #revokeLease}).
 */
final class ReadIndex {

    /** What reads need of the leader. */
    interface Leader {
        String id();

        Configuration configuration();

        long commitIndex();

        /** Whether an entry of the leader's own term is committed. */
        boolean ownTermCommitted();

        /** Sends every follower a heartbeat of a new round, now; returns the round's number. */
        long broadcastHeartbeat();

        /** A read is decided: served at {@code r.index()}, or failed. */
        void answer(ReadState r);
    }

    private record Pending(long requestId, long index, long round, Set<String> acks) {
    }

    private final Leader leader;
    private final CoreConfig cfg;
    private final CoreClock clock;
    /** The newest round sent. */
    private long round;
    /** (round, clock reading when it was sent) of recent rounds, oldest first. */
    private final ArrayDeque<long[]> sentAt = new ArrayDeque<>();
    /** Per follower: the send time of the newest round it acknowledged. */
    private final Map<String, Long> ackedSentAt = new HashMap<>();
    private final List<Long> awaitingOwnTermCommit = new ArrayList<>();
    /** Reads registered in this batch, as (request id, read index): confirmed by the round sent at its end. */
    private final List<long[]> awaitingRound = new ArrayList<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private boolean leaseRevoked;

    ReadIndex(Leader leader, CoreConfig cfg, CoreClock clock) {
        this.leader = leader;
        this.cfg = cfg;
        this.clock = clock;
    }

    /** Heartbeat round {@code r} is being sent now: the lease counts from here. */
    void roundSent(long r) {
        round = r;
        long now = clock.now();
        sentAt.addLast(new long[] {r, now});
        long keep = clock.ofTicks(2L * cfg.electionTicks());
        while (sentAt.size() > 1 && now - sentAt.peekFirst()[1] > keep) {
            sentAt.removeFirst();
        }
    }

    /** A ReadIndex read on the leader. */
    void request(long requestId) {
        if (!leader.ownTermCommitted()) {
            awaitingOwnTermCommit.add(requestId);
            return;
        }
        register(List.of(requestId));
    }

    /** A lease read on the leader: served at once while the lease holds, else as a ReadIndex read. */
    void leaseRequest(long requestId) {
        if (leader.ownTermCommitted() && leaseValid()) {
            leader.answer(new ReadState(requestId, leader.commitIndex()));
        } else {
            request(requestId);
        }
    }

    /** The reads take the commit index as it stands now; they wait for the round sent at the end of the batch. */
    private void register(List<Long> requestIds) {
        for (long id : requestIds) {
            awaitingRound.add(new long[] {id, leader.commitIndex()});
        }
    }

    /** Whether reads wait for the round {@link #endBatch} sends: the batch has work to do. */
    boolean awaitsRound() {
        return !awaitingRound.isEmpty();
    }

    /**
     * After every batch: reads that waited for an entry of this term to commit go ahead once it has; then one
     * heartbeat round confirms every read registered in the batch. One round per batch, not per read (thesis
     * §6.4, "batching"): the round is sent after each of these reads arrived, which is all a read needs of it, and
     * a burst of reads costs one message to each follower instead of one per read.
     */
    void endBatch() {
        if (!awaitingOwnTermCommit.isEmpty() && leader.ownTermCommitted()) {
            register(awaitingOwnTermCommit);
            awaitingOwnTermCommit.clear();
        }
        if (awaitingRound.isEmpty()) {
            return;
        }
        long r = leader.broadcastHeartbeat();
        for (long[] read : awaitingRound) {
            Set<String> acks = new HashSet<>();
            acks.add(leader.id());
            pending.addLast(new Pending(read[0], read[1], r, acks));
        }
        awaitingRound.clear();
        releaseConfirmed(); // a single voter needs nobody else
    }

    /** A follower answered heartbeat round {@code context}. */
    void acknowledged(String from, long context) {
        if (context <= 0 || context > round) {
            return;
        }
        for (long[] s : sentAt) {
            if (s[0] == context) {
                ackedSentAt.merge(from, s[1], Math::max);
                break;
            }
        }
        for (Pending p : pending) {
            if (p.round() <= context) {
                p.acks().add(from);
            }
        }
        releaseConfirmed();
    }

    private void releaseConfirmed() {
        // Rounds rise with registration order, so the confirmed reads are a prefix of the queue.
        Iterator<Pending> it = pending.iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (!Quorum.isQuorum(leader.configuration(), p.acks())) {
                break;
            }
            leader.answer(new ReadState(p.requestId(), p.index()));
            it.remove();
        }
    }

    boolean leaseValid() {
        if (!cfg.checkQuorum() || leaseRevoked) {
            return false;
        }
        long horizon = clock.ofTicks(cfg.electionTicks() - cfg.leaseDriftTicks());
        long now = clock.now(); // read at the decision, so no late timer can stretch the lease
        Set<String> live = new HashSet<>();
        live.add(leader.id());
        ackedSentAt.forEach((peer, sent) -> {
            if (now - sent < horizon) {
                live.add(peer);
            }
        });
        return Quorum.isQuorum(leader.configuration(), live);
    }

    /** Ends the lease for the rest of this term (before a leadership transfer). */
    void revokeLease() {
        leaseRevoked = true;
    }

    /** This node stopped leading: every read not yet answered fails; the next term starts afresh. */
    void reset() {
        for (long id : awaitingOwnTermCommit) {
            leader.answer(new ReadState(id, -1));
        }
        for (long[] read : awaitingRound) {
            leader.answer(new ReadState(read[0], -1));
        }
        for (Pending p : pending) {
            leader.answer(new ReadState(p.requestId(), -1));
        }
        awaitingOwnTermCommit.clear();
        awaitingRound.clear();
        pending.clear();
        ackedSentAt.clear();
        sentAt.clear();
        leaseRevoked = false;
    }
}
