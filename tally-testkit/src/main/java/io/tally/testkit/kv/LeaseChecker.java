package io.tally.testkit.kv;

import io.tally.kv.KvRequest;
import io.tally.kv.KvService;
import io.tally.kv.KvView;
import io.tally.kv.Lease;
import io.tally.kv.WatchEvent;
import io.tally.raft.RaftState;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Checks leases against the rules of issue 14, with the simulator's knowledge of every node's clock:
 *
 * <ol>
 *   <li><b>The TTL rule.</b> A lease never expires earlier than its TTL after its last successful keep-alive (or its
 *       grant), as measured by the leader that acknowledged it: when the expiry first becomes visible (the first time
 *       any node applies it), the acknowledging incarnation's own monotonic clock — which goes on whether that node
 *       still runs, is paused or crashed — must have advanced by at least the TTL since the acknowledgement.</li>
 *   <li><b>Only the current leader acknowledges.</b> When a keep-alive succeeds, no running node leads a later term
 *       than the node that acknowledged it (a deposed leader that has not noticed must not promise anything).</li>
 *   <li><b>No acknowledgement after the end.</b> No keep-alive succeeds after the lease's end was applied anywhere.</li>
 *   <li><b>One revision everywhere.</b> When a lease ends (expired or revoked), every key attached to it is deleted
 *       at that one revision, the lease leaves the table at that revision, and a key of a lease is never deleted at
 *       any other revision (the scenario's clients delete no leased key themselves); every node's views are the log's
 *       ({@link KvTruth}), so this holds on every node.</li>
 *   <li><b>Expiry happens.</b> At the end, every lease nobody kept alive for longer than its TTL has ended.</li>
 * </ol>
 * Violations of 1–3 fail the scenario as they happen (a simulation event), with the lease, the clocks and the times.
 */
public final class LeaseChecker {

    /** A keep-alive (or grant) a client saw succeed: who acknowledged it, and that incarnation's clock then. */
    public record Ack(long lease, String what, int node, KvSimCluster.NodeClock clock, long clockReading, long atNanos,
                      long term) {
    }

    /** How a lease ended: the revision, when it first became visible, and whether the leader expired it. */
    public record End(long lease, long revision, boolean expired, long atNanos, String firstBy, long elapsedSinceAckNanos) {
    }

    private final KvSimCluster c;
    private final Map<Long, Long> ttls = new HashMap<>();
    private final Map<Long, Ack> lastAck = new HashMap<>();
    private final Map<Long, End> ends = new HashMap<>();
    private final Map<Long, Long> keptAliveUntil = new HashMap<>(); // lease -> virtual time the client stopped (or -1 while it keeps it)
    private final List<String> violations = new ArrayList<>();
    private int acks;
    private long tightestMarginNanos = Long.MAX_VALUE;
    private String tightest = "none";

    public LeaseChecker(KvSimCluster c) {
        this.c = c;
        c.truth().onFirstApply(this::applied);
    }

    /** A client was granted lease {@code lease} of {@code ttlMillis}, acknowledged as {@code ack}. */
    void granted(long lease, long ttlMillis, Ack ack) {
        ttls.put(lease, ttlMillis);
        keptAliveUntil.put(lease, -1L);
        acknowledged(ack);
    }

    /** A client saw a keep-alive of {@code ack.lease()} succeed. */
    void acknowledged(Ack ack) {
        acks++;
        End end = ends.get(ack.lease());
        if (end != null) {
            violation(ack.what() + " of lease " + ack.lease() + " acknowledged by " + ack.clock().incarnation() + " at "
                    + ms(ack.atNanos()) + ", after the lease ended at revision " + end.revision() + " (first applied by "
                    + end.firstBy() + " at " + ms(end.atNanos()) + ")");
        }
        for (int i = 0; i < c.size(); i++) {
            KvService s = c.service(i);
            if (s != null && s.node().state() == RaftState.LEADER && s.node().term() > ack.term()) {
                violation(ack.what() + " of lease " + ack.lease() + " acknowledged by " + ack.clock().incarnation()
                        + " (term " + ack.term() + ") at " + ms(ack.atNanos()) + ", while " + c.incarnationName(i)
                        + " led term " + s.node().term());
            }
        }
        Ack previous = lastAck.get(ack.lease());
        if (previous == null || previous.atNanos() <= ack.atNanos()) {
            lastAck.put(ack.lease(), ack);
        }
    }

    /** The client stopped keeping lease {@code lease} alive (it revokes it, or lets it expire). */
    void stopped(long lease) {
        keptAliveUntil.put(lease, c.simulation().nowNanos());
    }

    public boolean ended(long lease) {
        return ends.containsKey(lease);
    }

    private void applied(KvTruth.Applied a) {
        if (a.command() == null || !(a.command().request() instanceof KvRequest.RevokeLease r)) {
            return;
        }
        if (ends.containsKey(r.id()) || a.result().status() != io.tally.kv.KvResult.Status.OK) {
            return; // a repeat, or a lease that was already gone
        }
        long now = c.simulation().nowNanos();
        Ack ack = lastAck.get(r.id());
        long elapsed = ack == null ? Long.MAX_VALUE : ack.clock().now() - ack.clockReading();
        ends.put(r.id(), new End(r.id(), a.index(), r.expired(), now, a.firstBy(), elapsed));
        Long ttl = ttls.get(r.id());
        if (!r.expired() || ack == null || ttl == null) {
            return;
        }
        long margin = elapsed - ttl * 1_000_000L;
        if (margin < tightestMarginNanos) {
            tightestMarginNanos = margin;
            tightest = "lease " + r.id() + " (TTL " + ttl + " ms) expired " + ms(elapsed) + " after its last keep-alive by "
                    + ack.clock().incarnation() + "'s clock";
        }
        if (margin < 0) {
            violation("lease " + r.id() + " (TTL " + ttl + " ms) expired at revision " + a.index() + ", first applied by "
                    + a.firstBy() + " at " + ms(now) + ", only " + ms(elapsed) + " after its last successful "
                    + ack.what() + " as measured by the leader that acknowledged it (" + ack.clock().incarnation()
                    + ", clock " + ack.clock().model() + ", acknowledged at " + ms(ack.atNanos()) + " of virtual time; "
                    + ms(now - ack.atNanos()) + " of virtual time ago)");
        }
    }

    private void violation(String message) {
        violations.add(message);
        if (violations.size() == 1) {
            AssertionError e = new AssertionError("LEASE RULE BROKEN: " + message);
            c.simulation().schedule(0, "lease rule broken", () -> {
                throw e;
            });
        }
    }

    /**
     * At the end, once every node has applied everything: no violation seen; every lease end deleted all the lease's
     * keys at its revision and no leased key went otherwise; every lease not kept alive for longer than its TTL (by
     * virtual time, with {@code slackMillis} for the lessor's tick and a leader change) has ended.
     */
    public String checkAtEnd(long slackMillis) {
        if (!violations.isEmpty()) {
            throw new AssertionError("LEASE RULE BROKEN: " + violations.get(0));
        }
        KvTruth truth = c.truth();
        Map<Long, Long> endRevision = new HashMap<>();
        int keysEnded = 0;
        for (End e : ends.values()) {
            endRevision.put(e.lease(), e.revision());
            KvView before = truth.viewAt(e.revision() - 1);
            KvView after = truth.viewAt(e.revision());
            Lease lease = before.lease(e.lease()).orElse(null);
            if (lease == null) {
                throw new AssertionError("lease " + e.lease() + " ended at revision " + e.revision() + " without existing before");
            }
            if (after.lease(e.lease()).isPresent()) {
                throw new AssertionError("lease " + e.lease() + " is still in the table after its end at revision " + e.revision());
            }
            SortedSet<String> deleted = new TreeSet<>();
            for (WatchEvent ev : truth.events(e.revision(), e.revision())) {
                if (ev.type() == WatchEvent.Type.DELETE && ev.lease() == e.lease()) {
                    deleted.add(ev.key());
                }
            }
            if (!deleted.equals(lease.keys())) {
                throw new AssertionError("lease " + e.lease() + " ended at revision " + e.revision() + " holding keys "
                        + lease.keys() + ", but that revision deleted " + deleted);
            }
            for (String k : lease.keys()) {
                if (after.get(k).isPresent()) {
                    throw new AssertionError("key " + k + " of lease " + e.lease() + " survived its end at " + e.revision());
                }
            }
            keysEnded += deleted.size();
        }
        for (WatchEvent ev : truth.events()) {
            if (ev.type() == WatchEvent.Type.DELETE && ev.lease() != 0) {
                Long at = endRevision.get(ev.lease());
                if (at == null || at != ev.revision()) {
                    throw new AssertionError("key " + ev.key() + " of lease " + ev.lease() + " was deleted at revision "
                            + ev.revision() + ", not at its lease's end (" + at + ")");
                }
            }
        }
        long now = c.simulation().nowNanos();
        int expired = 0;
        int revoked = 0;
        for (Map.Entry<Long, Long> k : keptAliveUntil.entrySet()) {
            End end = ends.get(k.getKey());
            if (end != null) {
                if (end.expired()) {
                    expired++;
                } else {
                    revoked++;
                }
                continue;
            }
            Ack last = lastAck.get(k.getKey());
            long lastAt = Math.max(k.getValue(), last == null ? 0 : last.atNanos());
            if (k.getValue() >= 0 && now - lastAt > (ttls.get(k.getKey()) + slackMillis) * 1_000_000L) {
                throw new AssertionError("lease " + k.getKey() + " (TTL " + ttls.get(k.getKey()) + " ms), last kept alive at "
                        + ms(lastAt) + ", has not ended at " + ms(now));
            }
        }
        return ttls.size() + " leases (" + expired + " expired, " + revoked + " revoked), " + acks
                + " acknowledged grants and keep-alives, " + keysEnded + " keys deleted with their leases; tightest expiry: "
                + tightest;
    }

    static String ms(long nanos) {
        return String.format("%.3f s", nanos / 1e9);
    }
}
