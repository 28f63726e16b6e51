package io.tally.kv;

import io.tally.raft.NotLeaderException;
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
 *   <li><b>After a leader change every lease gets at least its full TTL again</b> (etcd's rule): the lessor forgets
 *       every deadline when it sees a new term, and a lease without one gets now + TTL when first seen.</li>
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
        this.node = node;
        this.view = view;
        this.nanos = nanos;
        this.propose = propose;
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
                long deadline = deadlines.computeIfAbsent(id, k -> now + lease.ttlMillis() * 1_000_000L);
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

    /**
     * Renews lease {@code id} for its full TTL from now; call only after ReadIndex confirmed this node leads and it
     * has applied up to the read index.
     *
     * @return the lease's TTL in milliseconds
     * @throws NotLeaderException     if this node no longer leads
     * @throws LeaseNotFoundException if the lease does not exist or this leader is expiring it
     */
    synchronized long renew(long id) {
        if (!leadsInTerm()) {
            throw notLeader();
        }
        Optional<Lease> lease = view.get().lease(id);
        if (lease.isEmpty() || expiring.contains(id)) {
            throw new LeaseNotFoundException(id);
        }
        deadlines.put(id, nanos.getAsLong() + lease.get().ttlMillis() * 1_000_000L);
        return lease.get().ttlMillis();
    }

    /** Starts a just-granted lease's TTL now (it is applied on this node, which proposed it). */
    synchronized void granted(long id, long ttlMillis) {
        if (leadsInTerm()) {
            deadlines.put(id, nanos.getAsLong() + ttlMillis * 1_000_000L);
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
