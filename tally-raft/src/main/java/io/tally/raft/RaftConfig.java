package io.tally.raft;

import io.tally.raft.core.CoreConfig;

import java.time.Duration;
import java.util.Objects;

/**
 * Node settings. Time in the protocol is counted in ticks of {@link #tickInterval()}; with the defaults a
 * heartbeat goes out every 100 ms and election timeouts are drawn from [500 ms, 1 s).
 *
 * @param tickInterval   length of one logical tick
 * @param core           protocol parameters (in ticks)
 * @param maxBatch       events the Raft loop drains per batch before flushing output
 * @param maxApplyBatch  committed entries handed to the state machine per call
 * @param snapshots      when to take snapshots and how much log to keep
 * @param maxPendingRequests requests (proposals, reads, changes) a node holds at once, from the call until its future
 *                       completes; one more fails at once with {@link OverloadedException} (back-pressure)
 * @param maxPendingBytes bytes of proposed commands a node holds at once, likewise
 */
public record RaftConfig(Duration tickInterval, CoreConfig core, int maxBatch, int maxApplyBatch, SnapshotPolicy snapshots,
                         int maxPendingRequests, long maxPendingBytes) {

    /**
     * Snapshot triggers and log compaction (Raft paper §7).
     *
     * @param everyEntries    take a snapshot once this many entries were applied since the last one (0: never)
     * @param everyLogBytes   ... or once this many bytes of entries were applied since the last one (0: never)
     * @param trailingEntries entries kept in the log below a new snapshot, so slightly lagging followers
     *                        catch up from the log rather than by InstallSnapshot
     * @param chunkBytes      size of one InstallSnapshot chunk
     * @param windowChunks    chunks in flight per follower during InstallSnapshot (flow control)
     */
    public record SnapshotPolicy(long everyEntries, long everyLogBytes, long trailingEntries, int chunkBytes,
                                 int windowChunks) {
        public SnapshotPolicy {
            if (everyEntries < 0 || everyLogBytes < 0 || trailingEntries < 0) {
                throw new IllegalArgumentException("snapshot thresholds must be >= 0");
            }
            if (chunkBytes < 1 || windowChunks < 1) {
                throw new IllegalArgumentException("snapshot chunk size and window must be positive");
            }
        }

        public static SnapshotPolicy defaults() {
            return new SnapshotPolicy(100_000, 64L << 20, 10_000, 256 << 10, 4);
        }

        public SnapshotPolicy withTriggers(long entries, long logBytes, long trailing) {
            return new SnapshotPolicy(entries, logBytes, trailing, chunkBytes, windowChunks);
        }
    }

    public RaftConfig {
        Objects.requireNonNull(tickInterval, "tickInterval");
        Objects.requireNonNull(core, "core");
        if (tickInterval.isNegative() || tickInterval.isZero()) {
            throw new IllegalArgumentException("tickInterval must be positive");
        }
        if (maxBatch < 1 || maxApplyBatch < 1) {
            throw new IllegalArgumentException("batch sizes must be positive");
        }
        Objects.requireNonNull(snapshots, "snapshots");
        if (maxPendingRequests < 1 || maxPendingBytes < 1) {
            throw new IllegalArgumentException("maxPendingRequests and maxPendingBytes must be positive");
        }
    }

    /** Default bounds of {@link #maxPendingRequests()} and {@link #maxPendingBytes()}. */
    public static final int DEFAULT_MAX_PENDING_REQUESTS = 16_384;
    public static final long DEFAULT_MAX_PENDING_BYTES = 64L << 20;

    public static RaftConfig defaults() {
        return new RaftConfig(Duration.ofMillis(10), CoreConfig.defaults(), 1024, 1024, SnapshotPolicy.defaults(),
                DEFAULT_MAX_PENDING_REQUESTS, DEFAULT_MAX_PENDING_BYTES);
    }

    public RaftConfig withCore(CoreConfig c) {
        return new RaftConfig(tickInterval, c, maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    public RaftConfig withTickInterval(Duration d) {
        return new RaftConfig(d, core, maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    public RaftConfig withSnapshots(SnapshotPolicy policy) {
        return new RaftConfig(tickInterval, core, maxBatch, maxApplyBatch, policy, maxPendingRequests, maxPendingBytes);
    }

    /** At most {@code requests} requests and {@code bytes} bytes of commands outstanding at once. */
    public RaftConfig withPendingLimits(int requests, long bytes) {
        return new RaftConfig(tickInterval, core, maxBatch, maxApplyBatch, snapshots, requests, bytes);
    }

    /** The shortest election timeout as a duration. */
    public Duration electionTimeout() {
        return tickInterval.multipliedBy(core.electionTicks());
    }
}
