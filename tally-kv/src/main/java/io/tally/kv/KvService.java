package io.tally.kv;

import io.tally.raft.node.RaftNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The key/value store on one node: writes go through the Raft log, reads through ReadIndex, the lease or the
 * local state. Used by the HTTP server and by the simulator's clients alike.
 *
 * <p>Every write is stamped with the {@link ClusterClock} before it is proposed: {@code max(newest stamp this node
 * has applied, last stamp it issued + monotonic time elapsed since)}. Session expiry runs on these stamps, so it
 * never goes backwards across leaders and never follows a wall clock.
 *
 * <p>Errors are the node's: {@link io.tally.raft.NotLeaderException} (nothing was proposed: safe to retry
 * elsewhere), {@link io.tally.raft.LeadershipLostException} and {@link io.tally.raft.RaftTimeoutException}
 * for writes (the outcome is unknown: retry only with the same session and sequence number).
 */
public final class KvService {

    private final RaftNode<KvResult> node;
    private final KvStateMachine store;
    private final ClusterClock clock;

    /**
     * @param monotonicNanos this node's monotonic clock, in ns with an arbitrary origin: the node runtime's
     *                       {@code nanoTime} (in production {@code System::nanoTime}; in the simulator, the node's
     *                       virtual clock). Never a wall clock.
     */
    public KvService(RaftNode<KvResult> node, KvStateMachine store, LongSupplier monotonicNanos) {
        this.node = node;
        this.store = store;
        this.clock = new ClusterClock(monotonicNanos, store::newestStamp);
    }

    public RaftNode<KvResult> node() {
        return node;
    }

    public KvStateMachine store() {
        return store;
    }

    /** Proposes a write; the future completes once it is applied on this node (which must lead). */
    public CompletableFuture<KvResult> write(KvCommand command, Duration timeout) {
        return node.apply(command.withStamp(clock.stamp()).encode(), timeout);
    }

    /**
     * Opens a client session through the log (Raft thesis §6.3, RegisterClient); completes with its id, the Raft
     * index of the registration. Errors as for {@link #write}; a registration whose outcome is unknown may have
     * opened a session nobody uses, which simply expires.
     */
    public CompletableFuture<Long> openSession(Duration timeout) {
        return write(KvCommand.register(), timeout).thenApply(r -> {
            if (r.status() != KvResult.Status.OK) {
                throw new IllegalStateException("the state machine refused a session registration: " + r);
            }
            return r.version();
        });
    }

    public CompletableFuture<Optional<Versioned>> get(String key, Consistency consistency, Duration timeout) {
        return read(consistency, timeout).thenApply(i -> store.get(key));
    }

    public CompletableFuture<List<Map.Entry<String, Versioned>>> scan(String prefix, int limit, Consistency consistency,
                                                                      Duration timeout) {
        return read(consistency, timeout).thenApply(i -> store.scan(prefix, limit));
    }

    private CompletableFuture<Long> read(Consistency consistency, Duration timeout) {
        return switch (consistency) {
            case LINEARIZABLE -> node.readIndex(timeout);
            case LEASE -> node.leaseRead(timeout);
            case STALE -> CompletableFuture.completedFuture(store.appliedIndex());
        };
    }
}
