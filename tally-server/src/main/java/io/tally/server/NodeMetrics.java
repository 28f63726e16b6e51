package io.tally.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
 *   <li>{@code tally_http_requests_seconds{operation,status}}: request rates and latencies by operation, a Prometheus
 *       histogram ({@code _bucket{le=...}}, {@link #REQUEST_BUCKETS}) that aggregates across nodes;</li>
 *   <li>{@code tally_raft_term}, {@code tally_raft_commit_index}, {@code tally_raft_applied_index},
 *       {@code tally_raft_last_log_index}, {@code tally_raft_is_leader};</li>
 *   <li>{@code tally_raft_leader_changes_total};</li>
 *   <li>{@code tally_log_entries} (entries held in the log store), {@code tally_snapshot_bytes} (the newest
 *       snapshot);</li>
 *   <li>{@code tally_log_fsync_seconds}: fsync latency of the log, a histogram ({@link #FSYNC_BUCKETS});</li>
 *   <li>the JVM and the process (Micrometer's binders): {@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*},
 *       {@code jvm_classes_*}, {@code jvm_info}, {@code process_cpu_usage}, {@code process_uptime_seconds},
 *       {@code process_files_open_files}, {@code system_cpu_*};</li>
 *   <li>{@code tally_raft_replication_lag_entries{follower}}: on the leader, how far each follower's log is
 *       known to lag its own.</li>
 * </ul>
 */
final class NodeMetrics implements AutoCloseable {

    /** Upper bounds of the request-latency buckets: 0.5 ms to 10 s (a write waits for a quorum's fsync). */
    static final Duration[] REQUEST_BUCKETS = millis(0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000);
    /** Upper bounds of the fsync-latency buckets: 50 µs to 2.5 s. */
    static final Duration[] FSYNC_BUCKETS = millis(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000, 2500);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Timer fsync;
    private final Counter leaderChanges;
    private final Set<String> lagGauges = ConcurrentHashMap.newKeySet();
    /** The followers' match indexes as of the last scrape (asked of the Raft loop once per scrape). */
    private volatile Map<String, Long> followerMatch = Map.of();
    private volatile RaftNode<?> node;

    NodeMetrics() {
        fsync = Timer.builder("tally.log.fsync").description("fsync latency of the Raft log")
                .serviceLevelObjectives(FSYNC_BUCKETS).register(registry);
        leaderChanges = Counter.builder("tally.raft.leader.changes").description("leader changes seen by this node")
                .register(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    private static Duration[] millis(double... bounds) {
        Duration[] d = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            d[i] = Duration.ofNanos(Math.round(bounds[i] * 1_000_000));
        }
        return d;
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
                .serviceLevelObjectives(REQUEST_BUCKETS).register(registry).record(Duration.ofNanos(nanos));
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

    /** Stops the JVM's garbage-collection notifications to this registry. */
    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
