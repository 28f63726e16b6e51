package io.tally.kv;

import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftTimeoutException;
import io.tally.raft.RaftState;
import io.tally.raft.node.NodeStatus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The leader's lease clock (etcd's lessor): it alone decides when a lease expires, on its own monotonic clock, and
 * carries the decision through the log as an expiry entry, so no follower's clock ever deletes a key.
 *
 * <p>The rules, and why they hold:
 * <ul>
 *   <li><b>A lease never expires earlier than its TTL after its last successful keep-alive, as measured by the leader
 *       that acknowledged it.</b> A keep-alive is acknowledged only after ReadIndex confirmed this node still leads and
 *       it has applied everything committed before (so the lease exists and no expiry of it is committed); the
 *       deadline is then set to now + TTL under this object's lock. The expiry is proposed only once that deadline has
 *       passed, and a lease being expired is marked, so a keep-alive racing with its expiry is refused (404), never
 *       acknowledged and then undone.</li>
 *   <li><b>Only while no other leader can exist.</b> ReadIndex proves this node led when a majority answered its
 *       heartbeat round; those followers then refuse votes for an election timeout (CheckQuorum's vote lease). A
 *       keep-alive (or a grant) is acknowledged only if it is decided within the <em>renew horizon</em> — the election
 *       timeout less the lease drift margin, the horizon of lease reads — after it was asked, so before any other
 *       leader can have been elected and started counting the lease without knowing of this acknowledgement. A node
 *       paused between the round and the renewal (GC, SIGSTOP) refuses instead ({@link RaftTimeoutException}: ask
 *       again), rather than promise a TTL that the new leader's count may already undercut.</li>
 *   <li><b>After a leader change every lease gets at least its full TTL again</b> (etcd's rule): the lessor forgets
 *       every deadline when it sees a new term, and a lease without one gets now + TTL × (1 + ρ) / (1 − ρ) when first
 *       seen, ρ being the clock drift rate the cluster is configured to tolerate
 *       ({@code CoreConfig.maxClockDriftRate()}). The factor is what makes the first rule hold across the change: the
 *       old leader measured its promise on its own clock, which may run slow by ρ while this one's runs fast by ρ;
 *       counting the bare TTL, a new leader would end a 10 s lease up to 2 s early by the old leader's clock.</li>
 *   <li>An expiry proposed by a leader that then lost office may still commit in the next term; it commits before the
 *       new leader's first own-term entry, and the new leader acknowledges no keep-alive before that entry is
 *       applied (ReadIndex waits for it, thesis §6.4), so it never acknowledges a keep-alive it would then undo.</li>
 * </ul>
 * Thread-safe; {@link #tick} runs on the node's scheduler.
 */
final class Lessor {

    private final Supplier<NodeStatus> node;
    private final Supplier<KvView> view;
    private final LongSupplier nanos;
    private final Function<KvCommand, CompletableFuture<KvResult>> propose;
    private final long renewHorizonNanos;
    private final double newLeaderFactor;
    private long term = -1;
    private final Map<Long, Long> deadlines = new HashMap<>();
    /** Leases whose expiry this leader decided: keep-alives are refused from then on. */
    private final Set<Long> expiring = new HashSet<>();
    /** Expiries proposed and not yet answered. */
    private final Set<Long> proposing = new HashSet<>();

    /**
     * @param node    the node's role and term ({@code RaftNode::status})
     * @param view    the store's applied state
     * @param nanos   the leader's monotonic clock
     * @param propose proposes a command through the log
     */
    Lessor(Supplier<NodeStatus> node, Supplier<KvView> view, LongSupplier nanos,
           Function<KvCommand, CompletableFuture<KvResult>> propose) {
        this(node, view, nanos, propose, Long.MAX_VALUE, 0);
    }

    /**
     * @param renewHorizonNanos how long after it was asked a keep-alive or grant may still be acknowledged (the
     *                          election timeout less the lease drift margin)
     * @param maxDriftRate      the clock drift rate ρ the cluster tolerates: a new leader counts TTL × (1 + ρ) / (1 − ρ)
     */
    Lessor(Supplier<NodeStatus> node, Supplier<KvView> view, LongSupplier nanos,
           Function<KvCommand, CompletableFuture<KvResult>> propose, long renewHorizonNanos, double maxDriftRate) {
        if (renewHorizonNanos <= 0 || !(maxDriftRate >= 0 && maxDriftRate < 1)) {
            throw new IllegalArgumentException("renew horizon must be positive and the drift rate in [0, 1)");
        }
        this.node = node;
        this.view = view;
        this.nanos = nanos;
        this.propose = propose;
        this.renewHorizonNanos = renewHorizonNanos;
        this.newLeaderFactor = (1 + maxDriftRate) / (1 - maxDriftRate);
    }

    /** Proposes the expiry of every lease whose deadline has passed, if this node leads. */
    void tick() {
        List<Long> due = new ArrayList<>();
        synchronized (this) {
            if (!leadsInTerm()) {
                return;
            }
            long now = nanos.getAsLong();
            KvView v = view.get();
            deadlines.keySet().removeIf(id -> v.lease(id).isEmpty());
            expiring.removeIf(id -> v.lease(id).isEmpty() && !proposing.contains(id));
            for (long id : v.leaseIds()) {
                Lease lease = v.lease(id).orElseThrow();
                long deadline = deadlines.computeIfAbsent(id, k -> now + newLeaderTtlNanos(lease.ttlMillis()));
                if (now - deadline >= 0 && !proposing.contains(id)) {
                    expiring.add(id);
                    proposing.add(id);
                    due.add(id);
                }
            }
        }
        for (long id : due) {
            propose.apply(KvCommand.expireLease(id)).whenComplete((r, e) -> {
                synchronized (this) {
                    proposing.remove(id); // answered, failed or unknown: the next tick proposes again if it is still due
                }
            });
        }
    }

    private long newLeaderTtlNanos(long ttlMillis) {
        return (long) Math.ceil(ttlMillis * 1_000_000.0 * newLeaderFactor);
    }

    /**
     * Renews lease {@code id} for its full TTL from now; call only after ReadIndex confirmed this node leads and it
     * has applied up to the read index.
     *
     * @param askedAtNanos when the keep-alive was asked (this clock), before its ReadIndex round was sent
     * @return the lease's TTL in milliseconds
     * @throws NotLeaderException     if this node no longer leads
     * @throws LeaseNotFoundException if the lease does not exist or this leader is expiring it
     * @throws RaftTimeoutException   if the renew horizon has passed since it was asked: another leader may exist by
     *                                now (this node was paused, or its threads starved); ask again
     */
    synchronized long renew(long id, long askedAtNanos) {
        if (!leadsInTerm()) {
            throw notLeader();
        }
        Optional<Lease> lease = view.get().lease(id);
        if (lease.isEmpty() || expiring.contains(id)) {
            throw new LeaseNotFoundException(id);
        }
        long now = nanos.getAsLong();
        checkHorizon("keep-alive of lease " + id, askedAtNanos, now);
        deadlines.put(id, now + lease.get().ttlMillis() * 1_000_000L);
        return lease.get().ttlMillis();
    }

    /**
     * Starts a just-granted lease's TTL now (it is applied on this node, which proposed it).
     *
     * @param proposedAtNanos when the grant was proposed (this clock)
     * @throws RaftTimeoutException if the renew horizon has passed since: the lease exists, but whether this node still
     *                              leads is not known; the grant's answer is then "outcome unknown" (a retry with the
     *                              same session gets the lease's id from the current leader)
     */
    synchronized void granted(long id, long ttlMillis, long proposedAtNanos) {
        if (leadsInTerm()) {
            long now = nanos.getAsLong();
            checkHorizon("grant of lease " + id, proposedAtNanos, now);
            deadlines.put(id, now + ttlMillis * 1_000_000L);
        }
    }

    private void checkHorizon(String what, long askedAtNanos, long now) {
        if (now - askedAtNanos >= renewHorizonNanos) {
            throw new RaftTimeoutException(what + " was confirmed " + (now - askedAtNanos) / 1_000_000 + " ms after it was "
                    + "asked, later than the renew horizon of " + renewHorizonNanos / 1_000_000 + " ms: another leader may "
                    + "have taken over meanwhile; ask again");
        }
    }

    /**
     * What is left of lease {@code id}'s TTL by this leader's clock, in milliseconds (the full TTL for a lease it has
     * not started counting yet).
     */
    synchronized long remainingMillis(long id) {
        if (!leadsInTerm()) {
            throw notLeader();
        }
        Lease lease = view.get().lease(id).orElseThrow(() -> new LeaseNotFoundException(id));
        if (expiring.contains(id)) {
            return 0;
        }
        Long deadline = deadlines.get(id);
        long remaining = deadline == null ? lease.ttlMillis() : (deadline - nanos.getAsLong()) / 1_000_000L;
        return Math.max(0, remaining);
    }

    /** Whether this node leads; on a new term, forgets every deadline (each lease gets its full TTL again). */
    private boolean leadsInTerm() {
        NodeStatus status = node.get();
        if (status.state() != RaftState.LEADER) {
            term = -1;
            deadlines.clear();
            expiring.clear();
            return false;
        }
        long t = status.term();
        if (t != term) {
            term = t;
            deadlines.clear();
            expiring.clear();
        }
        return true;
    }

    private NotLeaderException notLeader() {
        NodeStatus s = node.get();
        return new NotLeaderException(s.id(), s.leader());
    }
}
