package io.tally.kv;

import java.util.function.LongSupplier;

/**
 * The time a leader stamps into the entries it proposes, from which the state machine expires client sessions
 * ({@link KvStateMachine}). It is cluster time, not anybody's wall clock:
 *
 * <pre>
 *   stamp = max(newest stamp this node has applied, last stamp it issued + monotonic time elapsed since)
 * </pre>
 *
 * <ul>
 *   <li>It never goes backwards: a node that takes over leadership starts at least at the newest stamp it has
 *       applied, and the state machine takes the maximum of all stamps anyway, so a new leader whose stamps lag
 *       cannot move the log clock back.</li>
 *   <li>It never jumps: only the node's monotonic clock is read (elapsed time, whose origin is arbitrary and may
 *       differ from node to node), so stepping a leader's wall clock, forwards or back, changes nothing.</li>
 *   <li>It runs at the rate of real time while one node keeps issuing, including while the cluster is idle (the
 *       next stamp covers the idle time). Across a change of leader it may lose the gap between the old leader's
 *       last stamp and the new one's first: sessions then live a little longer, never shorter.</li>
 * </ul>
 *
 * Thread-safe: writes arrive from many request threads.
 */
final class ClusterClock {

    private final LongSupplier monotonicNanos;
    private final LongSupplier newestApplied;
    private boolean issued;
    private long lastIssuedNanos;   // cluster time of the last stamp issued, in ns (kept to the ns: no drift)
    private long lastIssuedAtNanos; // the monotonic clock when it was issued

    /**
     * @param monotonicNanos this node's monotonic clock ({@code System.nanoTime} or a simulator's virtual clock)
     * @param newestApplied  the newest stamp this node has applied, in ms
     */
    ClusterClock(LongSupplier monotonicNanos, LongSupplier newestApplied) {
        this.monotonicNanos = monotonicNanos;
        this.newestApplied = newestApplied;
    }

    /** The stamp for an entry proposed now, in ms of cluster time. */
    synchronized long stamp() {
        long at = monotonicNanos.getAsLong();
        long t = Math.multiplyExact(newestApplied.getAsLong(), 1_000_000L);
        if (issued) {
            t = Math.max(t, lastIssuedNanos + Math.max(0, at - lastIssuedAtNanos));
        }
        issued = true;
        lastIssuedNanos = t;
        lastIssuedAtNanos = at;
        return t / 1_000_000L;
    }
}
