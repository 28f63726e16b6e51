package io.tally.kv;

import io.tally.raft.node.RaftNode;
import io.tally.raft.runtime.RaftRuntime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The key/value store on one node: writes go through the Raft log, reads through ReadIndex, the lease or the local
 * state; watches from the node's own applied state; leases kept by the leader's {@link Lessor}. Used by the HTTP
 * server and by the simulator's clients alike.
 *
 * <p>Every write is stamped with the {@link ClusterClock} before it is proposed: {@code max(newest stamp this node
 * has applied, last stamp it issued + monotonic time elapsed since)}. Session expiry runs on these stamps, so it
 * never goes backwards across leaders and never follows a wall clock.
 *
 * <p>Errors are the node's: {@link io.tally.raft.NotLeaderException} (nothing was proposed: safe to retry
 * elsewhere), {@link io.tally.raft.LeadershipLostException} and {@link io.tally.raft.RaftTimeoutException}
 * for writes (the outcome is unknown: retry only with the same session and sequence number); and
 * {@link LeaseNotFoundException} for a keep-alive of a lease that is gone.
 */
public final class KvService implements AutoCloseable {

    /** How often the leader looks for expired leases: a lease ends at most this much after its deadline. */
    static final Duration LEASE_TICK = Duration.ofMillis(200);
    /** How often idle watches are told the revision they have seen; each hears at least every two rounds. */
    static final Duration PROGRESS_TICK = Duration.ofSeconds(5);
    /** The longest lease: longer requests are refused. */
    public static final Duration MAX_LEASE_TTL = Duration.ofDays(365);

    private final RaftNode<KvResult> node;
    private final KvStateMachine store;
    private final ClusterClock clock;
    private final Lessor lessor;
    private final LongSupplier monotonicNanos;
    private final Duration minLeaseTtl;
    private final Scheduler scheduler;
    private volatile boolean closed;
    private RaftRuntime.Cancellable leaseTick;
    private RaftRuntime.Cancellable progressTick;

    /** Runs the service's periodic work (lease expiry, watch progress): a task, once, after a delay. */
    @FunctionalInterface
    public interface Scheduler {
        RaftRuntime.Cancellable schedule(long delayNanos, Runnable task);
    }

    /**
     * @param monotonicNanos this node's monotonic clock, in ns with an arbitrary origin: the node runtime's
     *                       {@code nanoTime} (in production {@code System::nanoTime}; in the simulator, the node's
     *                       virtual clock). Never a wall clock.
     * @param minLeaseTtl    leases shorter than this are granted this long (etcd raises them to 1.5 election timeouts:
     *                       a lease must outlive a leader change)
     * @param scheduler      where the periodic work runs: the node's runtime, or in the simulator the simulation itself
     *                       (so that these timers do not drive a node's timer-driven clock model)
     */
    public KvService(RaftNode<KvResult> node, KvStateMachine store, LongSupplier monotonicNanos, Duration minLeaseTtl,
                     Scheduler scheduler) {
        this.node = node;
        this.store = store;
        this.scheduler = scheduler;
        this.clock = new ClusterClock(monotonicNanos, store::newestStamp);
        this.monotonicNanos = monotonicNanos;
        this.minLeaseTtl = minLeaseTtl;
        io.tally.raft.RaftConfig cfg = node.config();
        io.tally.raft.core.CoreConfig core = cfg.core();
        // The horizon of lease reads: (electionTicks - leaseDriftTicks) ticks' worth of time after a confirmed round.
        long renewHorizon = cfg.tickInterval().toNanos() * (core.electionTicks() - core.leaseDriftTicks());
        this.lessor = new Lessor(node::status, store::view, monotonicNanos, c -> write(c, LEASE_TICK.multipliedBy(25)),
                renewHorizon, core.maxClockDriftRate());
        synchronized (this) {
            leaseTick = scheduler.schedule(LEASE_TICK.toNanos(), this::leaseTick);
            progressTick = scheduler.schedule(PROGRESS_TICK.toNanos(), this::progressTick);
        }
    }

    /** Periodic work on the node's runtime. */
    public KvService(RaftNode<KvResult> node, KvStateMachine store, LongSupplier monotonicNanos, Duration minLeaseTtl) {
        this(node, store, monotonicNanos, minLeaseTtl,
                (delay, task) -> node.runtime().schedule(delay, TimeUnit.NANOSECONDS, task));
    }

    /** Leases of at least two seconds. */
    public KvService(RaftNode<KvResult> node, KvStateMachine store, LongSupplier monotonicNanos) {
        this(node, store, monotonicNanos, Duration.ofSeconds(2));
    }

    public RaftNode<KvResult> node() {
        return node;
    }

    public KvStateMachine store() {
        return store;
    }

    /** Proposes a write; the future completes once it is applied on this node (which must lead). */
    public CompletableFuture<KvResult> write(KvCommand command, Duration timeout) {
        long proposedAt = monotonicNanos.getAsLong();
        return node.apply(command.withStamp(clock.stamp()).encode(), timeout).thenApply(r -> {
            if (r.status() == KvResult.Status.OK && command.request() instanceof KvRequest.GrantLease g) {
                lessor.granted(r.revision(), g.ttlMillis(), proposedAt);
            }
            return r;
        });
    }

    /**
     * Opens a client session through the log (Raft thesis §6.3, RegisterClient); completes with its id, the revision
     * of the registration. Errors as for {@link #write}; a registration whose outcome is unknown may have opened a
     * session nobody uses, which simply expires.
     */
    public CompletableFuture<Long> openSession(Duration timeout) {
        return openSession(timeout, "");
    }

    /**
     * As {@link #openSession(Duration)}, for {@code user} (the authenticated user; "" while authentication is off):
     * with authentication on, the state machine refuses a registration that names no known user, and binds the session
     * to the user it names.
     */
    public CompletableFuture<Long> openSession(Duration timeout, String user) {
        return write(KvCommand.register().withUser(user), timeout).thenApply(r -> {
            if (r.status() != KvResult.Status.OK) {
                throw new IllegalStateException("the state machine refused a session registration: " + r);
            }
            return r.revision();
        });
    }

    /**
     * The store once a read at {@code consistency} may be served: a view at least as new as the read point, so every
     * write acknowledged before the read began is in it (LINEARIZABLE, LEASE), or this node's state (STALE).
     */
    public CompletableFuture<KvView> read(Consistency consistency, Duration timeout) {
        CompletableFuture<Long> point = switch (consistency) {
            case LINEARIZABLE -> node.readIndex(timeout);
            case LEASE -> node.leaseRead(timeout);
            case STALE -> CompletableFuture.completedFuture(store.appliedIndex());
        };
        return point.thenApply(i -> store.view());
    }

    public CompletableFuture<Optional<Versioned>> get(String key, Consistency consistency, Duration timeout) {
        return read(consistency, timeout).thenApply(v -> v.get(key));
    }

    public CompletableFuture<List<Map.Entry<String, Versioned>>> scan(String prefix, int limit, Consistency consistency,
                                                                      Duration timeout) {
        return read(consistency, timeout).thenApply(v -> v.page(prefix, null, limit).items());
    }

    /** The watches of this node's store (its applied state: any node serves them). */
    public WatchHub watches() {
        return store.watches();
    }

    // ------------------------------------------------------------------ leases

    /**
     * The TTL a lease asked for {@code requested} gets: at least the minimum (a shorter one could not outlive a leader
     * change), in whole milliseconds.
     *
     * @throws IllegalArgumentException for a TTL that is not positive or is longer than {@link #MAX_LEASE_TTL}
     */
    public long leaseTtlMillis(Duration requested) {
        if (requested.isNegative() || requested.isZero() || requested.compareTo(MAX_LEASE_TTL) > 0) {
            throw new IllegalArgumentException("a lease's TTL must be positive and at most " + MAX_LEASE_TTL.toDays()
                    + " days, not " + requested);
        }
        return Math.max(requested.toMillis(), minLeaseTtl.toMillis());
    }

    /**
     * Renews lease {@code id} for its full TTL; must run on the leader. Completes with the TTL once ReadIndex has
     * confirmed this node leads; fails with {@link LeaseNotFoundException} for a lease that is gone or expiring, and
     * with {@link io.tally.raft.RaftTimeoutException} (ask again) when the confirmation came later than the leader
     * lease's horizon after the request (the node was paused): another leader might already be counting the lease.
     */
    public CompletableFuture<Duration> keepAlive(long id, Duration timeout) {
        long askedAt = monotonicNanos.getAsLong();
        return node.readIndex(timeout).thenApply(i -> Duration.ofMillis(lessor.renew(id, askedAt)));
    }

    /** A lease as the leader sees it. */
    public record LeaseStatus(long id, Duration ttl, Duration remaining, List<String> keys) {
    }

    /** Lease {@code id}'s TTL, what is left of it by the leader's clock, and its keys; must run on the leader. */
    public CompletableFuture<LeaseStatus> leaseStatus(long id, Duration timeout) {
        return node.readIndex(timeout).thenApply(i -> {
            Lease lease = store.view().lease(id).orElseThrow(() -> new LeaseNotFoundException(id));
            return new LeaseStatus(id, Duration.ofMillis(lease.ttlMillis()), Duration.ofMillis(lessor.remainingMillis(id)),
                    List.copyOf(lease.keys()));
        });
    }

    // ------------------------------------------------------------------ timers

    private void leaseTick() {
        if (closed) {
            return;
        }
        try {
            lessor.tick();
        } finally {
            synchronized (this) {
                if (!closed) {
                    leaseTick = scheduler.schedule(LEASE_TICK.toNanos(), this::leaseTick);
                }
            }
        }
    }

    private void progressTick() {
        if (closed) {
            return;
        }
        try {
            store.watches().progress();
        } finally {
            synchronized (this) {
                if (!closed) {
                    progressTick = scheduler.schedule(PROGRESS_TICK.toNanos(), this::progressTick);
                }
            }
        }
    }

    /** Stops the lease and progress timers and ends every watch ({@link WatchListener#onClosed}). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            leaseTick.cancel();
            progressTick.cancel();
        }
        store.watches().close();
    }
}
