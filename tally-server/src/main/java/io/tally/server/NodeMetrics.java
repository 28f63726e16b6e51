package io.tally.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The node's metrics in Prometheus text format ({@code GET /metrics}, Micrometer):
 * <ul>
 *   <li>{@code tally_http_requests_seconds{operation,status}}: request rates and latencies by operation;</li>
 *   <li>{@code tally_raft_term}, {@code tally_raft_commit_index}, {@code tally_raft_applied_index},
 *       {@code tally_raft_last_log_index}, {@code tally_raft_is_leader};</li>
 *   <li>{@code tally_raft_leader_changes_total};</li>
 *   <li>{@code tally_log_entries} (entries held in the log store), {@code tally_snapshot_bytes} (the newest
 *       snapshot);</li>
 *   <li>{@code tally_log_fsync_seconds}: fsync latency of the log;</li>
 *   <li>{@code tally_raft_replication_lag_entries{follower}}: on the leader, how far each follower's log is
 *       known to lag its own.</li>
 * </ul>
 */
final class NodeMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer fsync;
    private final Counter leaderChanges;
    private final Set<String> lagGauges = ConcurrentHashMap.newKeySet();
    /** The followers' match indexes as of the last scrape (asked of the Raft loop once per scrape). */
    private volatile Map<String, Long> followerMatch = Map.of();
    private volatile RaftNode<?> node;

    NodeMetrics() {
        fsync = Timer.builder("tally.log.fsync").description("fsync latency of the Raft log")
                .publishPercentiles(0.5, 0.99, 0.999).register(registry);
        leaderChanges = Counter.builder("tally.raft.leader.changes").description("leader changes seen by this node")
                .register(registry);
    }

    Timer fsyncTimer() {
        return fsync;
    }

    /** Starts reporting on {@code n} and its stores. */
    void bind(RaftNode<?> n, LogStore log, SnapshotStore snapshots) {
        this.node = n;
        Gauge.builder("tally.raft.term", n, RaftNode::term).register(registry);
        Gauge.builder("tally.raft.commit.index", n, RaftNode::commitIndex).register(registry);
        Gauge.builder("tally.raft.applied.index", n, RaftNode::appliedIndex).register(registry);
        Gauge.builder("tally.raft.last.log.index", n, RaftNode::lastLogIndex).register(registry);
        Gauge.builder("tally.raft.is.leader", n, x -> x.state() == RaftState.LEADER ? 1 : 0).register(registry);
        Gauge.builder("tally.log.entries", log, l -> Math.max(0, l.lastIndex() - l.firstIndex() + 1))
                .description("entries held in the log store").register(registry);
        Gauge.builder("tally.snapshot.bytes", snapshots, NodeMetrics::newestSnapshotBytes)
                .description("size of the newest snapshot").register(registry);
        n.addLeaderListener(change -> leaderChanges.increment());
    }

    private static double newestSnapshotBytes(SnapshotStore s) {
        try {
            Optional<SnapshotMeta> m = s.latest();
            return m.map(SnapshotMeta::sizeBytes).orElse(0L);
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    void recordRequest(String operation, int status, long nanos) {
        Timer.builder("tally.http.requests").tag("operation", operation).tag("status", Integer.toString(status))
                .publishPercentiles(0.5, 0.99).register(registry).record(Duration.ofNanos(nanos));
    }

    /**
     * Asks the Raft loop for the followers' match indexes (for the lag gauges); completes, on the Raft loop, once they
     * are known, or after a second with no lag reported (closing, or the loop is stuck). It never fails.
     */
    CompletableFuture<Void> refreshLag() {
        RaftNode<?> n = node;
        if (n == null) {
            return CompletableFuture.completedFuture(null);
        }
        return n.replicationProgress().orTimeout(1, TimeUnit.SECONDS).handle((match, e) -> {
            followerMatch = e == null ? match : Map.of(); // report no lag rather than stale lag
            for (String follower : followerMatch.keySet()) {
                if (lagGauges.add(follower)) {
                    Gauge.builder("tally.raft.replication.lag.entries", n, x -> {
                        Long m = followerMatch.get(follower);
                        return m == null ? 0 : Math.max(0, x.lastLogIndex() - m);
                    }).tag("follower", follower).description("entries the follower's log lags the leader's")
                            .register(registry);
                }
            }
            return null;
        });
    }

    /** The Prometheus exposition text; call {@link #refreshLag()} first for current lag gauges. */
    String scrape() {
        return registry.scrape();
    }
}
