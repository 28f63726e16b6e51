package io.tally.raft.core;

import io.tally.raft.model.Configuration;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
 * the number it answers, and an echo of round r acknowledges every read assigned to round r or an earlier one.
 *
 * <p>Batching (thesis §6.4): a read waits for the next round that is sent, and every read waiting when a round is
 * sent — whether the round was sent for reads or is an ordinary heartbeat — is assigned to it. At most one round
 * sent <em>for reads</em> is unconfirmed at a time: while one is, new reads wait for it to be confirmed (or for the
 * next heartbeat), then share the next round. Under load this is one round per round trip, however many reads
 * arrive, instead of one per batch of the Raft loop; while echoes arrive, a read waits at most one extra round
 * trip. If a round's echoes are lost, the reads behind it wait for the periodic heartbeat, which carries them, and
 * whose echoes confirm the earlier round's reads too: a heartbeat interval plus a round trip at worst.
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

    private record Pending(long requestId, long index, long round) {
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
    /** Per follower: the newest round it echoed since this node last became leader. */
    private final Map<String, Long> echoed = new HashMap<>();
    private final List<Long> awaitingOwnTermCommit = new ArrayList<>();
    /** Reads registered but not yet assigned to a round, as (request id, read index), in registration order. */
    private final List<long[]> awaitingRound = new ArrayList<>();
    /** Reads assigned to a round and not yet answered, in registration order (so with rising rounds). */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private boolean leaseRevoked;

    ReadIndex(Leader leader, CoreConfig cfg, CoreClock clock) {
        this.leader = leader;
        this.cfg = cfg;
        this.clock = clock;
    }

    /**
     * Heartbeat round {@code r} is being sent now: the lease counts from here, and every read waiting for a round
     * is assigned to this one — it is sent after each of them arrived, which is all a read needs of it.
     */
    void roundSent(long r) {
        round = r;
        long now = clock.now();
        sentAt.addLast(new long[] {r, now});
        long keep = clock.ofTicks(2L * cfg.electionTicks());
        while (sentAt.size() > 1 && now - sentAt.peekFirst()[1] > keep) {
            sentAt.removeFirst();
        }
        for (long[] read : awaitingRound) {
            pending.addLast(new Pending(read[0], read[1], r));
        }
        awaitingRound.clear();
        // A single voter needs nobody else; and a configuration that shrank may have confirmed reads without an echo.
        releaseConfirmed();
    }

    /** The configuration changed: its quorum may already confirm reads that the old one did not. */
    void configurationChanged() {
        releaseConfirmed();
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

    /** The reads take the commit index as it stands now; they wait for the next round sent. */
    private void register(List<Long> requestIds) {
        for (long id : requestIds) {
            awaitingRound.add(new long[] {id, leader.commitIndex()});
        }
    }

    /**
     * Whether {@link #endBatch} will send a round: reads wait for one, and no read already assigned to a round (of
     * reads, or an ordinary heartbeat) is unanswered.
     */
    boolean awaitsRound() {
        return !awaitingRound.isEmpty() && pending.isEmpty();
    }

    /**
     * After every batch: reads that waited for an entry of this term to commit go ahead once it has; then, unless a
     * round of reads is still unconfirmed, one heartbeat round is sent for every read waiting. One round for many
     * reads (thesis §6.4, "batching"): a burst of reads costs one message to each follower, not one per read.
     */
    void endBatch() {
        if (!awaitingOwnTermCommit.isEmpty() && leader.ownTermCommitted()) {
            register(awaitingOwnTermCommit);
            awaitingOwnTermCommit.clear();
        }
        if (awaitsRound()) {
            leader.broadcastHeartbeat(); // assigns the waiting reads to the new round (roundSent)
        }
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
        // An echo of a round before this term's first proves nothing new: every pending read has a later round, since
        // the replicator's round numbers rise for as long as the node lives (and the core drops older terms' answers).
        echoed.merge(from, context, Math::max);
        releaseConfirmed();
    }

    /** Answers the confirmed reads: a prefix of the queue, whose rounds rise with arrival. */
    private void releaseConfirmed() {
        long confirmedRound = -1;
        while (!pending.isEmpty()) {
            Pending p = pending.peekFirst();
            if (p.round() != confirmedRound) {
                if (!confirmed(p.round())) {
                    return;
                }
                confirmedRound = p.round();
            }
            leader.answer(new ReadState(p.requestId(), p.index()));
            pending.removeFirst();
        }
    }

    /** Whether the leader and the followers that echoed round {@code r} or a later one form a quorum. */
    private boolean confirmed(long r) {
        Set<String> acks = new HashSet<>();
        acks.add(leader.id());
        echoed.forEach((peer, newest) -> {
            if (newest >= r) {
                acks.add(peer);
            }
        });
        return Quorum.isQuorum(leader.configuration(), acks);
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
        echoed.clear();
        sentAt.clear();
        leaseRevoked = false;
    }
}
