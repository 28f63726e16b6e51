package io.tally.raft;

import io.tally.raft.core.CoreConfig;

import java.time.Duration;
import java.util.Objects;

/**
 * Node settings, in durations, bytes and bytes per second. Only the core counts in ticks: {@link #core()} turns these
 * settings into its tick counts, rounding each toward safety (timeouts and margins up, the heartbeat interval down).
 * With the defaults a tick is 10 ms, a heartbeat goes out every 100 ms and election timeouts are drawn from
 * [500 ms, 1 s).
 *
 * @param tickInterval       length of one logical tick: the resolution of every timer below
 * @param electionTimeout    the shortest election timeout; each node draws its own from [this, 2 × this) (§5.2)
 * @param heartbeatInterval  how often a leader sends heartbeats; well below the election timeout
 * @param leaseDriftMargin   how much earlier than an election timeout after a confirmed heartbeat round a leader stops
 *                           serving lease reads (thesis §6.4.1): covers clocks whose rates differ by up to
 *                           {@link CoreConfig#maxClockDriftRate()}
 * @param preVote            run the PreVote phase before raising the term (thesis §9.6)
 * @param checkQuorum        leaders step down without a majority's contact for an election timeout, and followers in
 *                           contact with a leader ignore vote requests (thesis §6.2, §4.2.3); leases need it
 * @param flowControl        how much replication may have in flight, and how catch-up of new members is paced
 * @param maxBatch           events the Raft loop drains per batch before flushing output
 * @param maxApplyBatch      committed entries handed to the state machine per call
 * @param snapshots          when to take snapshots and how much log to keep
 * @param maxPendingRequests requests (proposals, reads, changes) a node holds at once, from the call until its future
 *                           completes; one more fails at once with {@link OverloadedException} (back-pressure)
 * @param maxPendingBytes    bytes of proposed commands a node holds at once, likewise
 */
public record RaftConfig(Duration tickInterval, Duration electionTimeout, Duration heartbeatInterval,
                         Duration leaseDriftMargin, boolean preVote, boolean checkQuorum, FlowControl flowControl,
                         int maxBatch, int maxApplyBatch, SnapshotPolicy snapshots, int maxPendingRequests,
                         long maxPendingBytes) {

    /** Default bounds of {@link #maxPendingRequests()} and {@link #maxPendingBytes()}. */
    public static final int DEFAULT_MAX_PENDING_REQUESTS = 16_384;
    public static final long DEFAULT_MAX_PENDING_BYTES = 64L << 20;

    /**
     * Replication flow control.
     *
     * @param maxInflight           AppendEntries messages in flight per follower while replicating
     * @param maxInflightBytes      bytes of entries in flight per follower
     * @param maxAppendBytes        bytes of entries in one AppendEntries
     * @param maxAppendEntries      entries in one AppendEntries (hashicorp/raft's MaxAppendEntries)
     * @param catchUpMaxLag         a new voter is promoted once its log is within this many entries of the leader's
     *                              (thesis §4.2.1)
     * @param learnerBytesPerSecond bytes of entries and snapshot sent to each non-voter per second (0: no limit), so that
     *                              catching a new member up leaves the machines' CPU and network to the voters' commits
     */
    public record FlowControl(int maxInflight, long maxInflightBytes, long maxAppendBytes, int maxAppendEntries,
                              long catchUpMaxLag, long learnerBytesPerSecond) {
        public FlowControl {
            if (maxInflight < 1 || maxInflightBytes < 1 || maxAppendBytes < 1 || maxAppendEntries < 1) {
                throw new IllegalArgumentException("flow-control limits must be positive");
            }
            if (catchUpMaxLag < 0 || learnerBytesPerSecond < 0) {
                throw new IllegalArgumentException("catchUpMaxLag and learnerBytesPerSecond must be >= 0");
            }
        }

        public static FlowControl defaults() {
            return new FlowControl(32, 16L << 20, 1L << 20, 64, 1024, 800L << 10);
        }

        public FlowControl withMaxAppendEntries(int n) {
            return new FlowControl(maxInflight, maxInflightBytes, maxAppendBytes, n, catchUpMaxLag, learnerBytesPerSecond);
        }

        public FlowControl withLearnerBytesPerSecond(long bytes) {
            return new FlowControl(maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, catchUpMaxLag, bytes);
        }

        public FlowControl withCatchUpMaxLag(long entries) {
            return new FlowControl(maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, entries, learnerBytesPerSecond);
        }
    }

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
        Objects.requireNonNull(electionTimeout, "electionTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(leaseDriftMargin, "leaseDriftMargin");
        Objects.requireNonNull(flowControl, "flowControl");
        Objects.requireNonNull(snapshots, "snapshots");
        if (tickInterval.isNegative() || tickInterval.isZero()) {
            throw new IllegalArgumentException("tickInterval must be positive");
        }
        if (maxBatch < 1 || maxApplyBatch < 1) {
            throw new IllegalArgumentException("batch sizes must be positive");
        }
        if (maxPendingRequests < 1 || maxPendingBytes < 1) {
            throw new IllegalArgumentException("maxPendingRequests and maxPendingBytes must be positive");
        }
        if (heartbeatInterval.compareTo(tickInterval) < 0) {
            throw new IllegalArgumentException("heartbeatInterval (" + heartbeatInterval + ") is shorter than a tick ("
                    + tickInterval + ")");
        }
        if (leaseDriftMargin.isNegative() || leaseDriftMargin.compareTo(electionTimeout) >= 0) {
            throw new IllegalArgumentException("leaseDriftMargin must be in [0, electionTimeout)");
        }
        core(tickInterval, electionTimeout, heartbeatInterval, leaseDriftMargin, preVote, checkQuorum, flowControl);
    }

    public static RaftConfig defaults() {
        return new RaftConfig(Duration.ofMillis(10), Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(100),
                true, true, FlowControl.defaults(), 1024, 1024, SnapshotPolicy.defaults(), DEFAULT_MAX_PENDING_REQUESTS,
                DEFAULT_MAX_PENDING_BYTES);
    }

    /** The protocol parameters in the core's units: ticks of {@link #tickInterval()}. */
    public CoreConfig core() {
        return core(tickInterval, electionTimeout, heartbeatInterval, leaseDriftMargin, preVote, checkQuorum, flowControl);
    }

    private static CoreConfig core(Duration tick, Duration election, Duration heartbeat, Duration drift, boolean preVote,
                                   boolean checkQuorum, FlowControl flow) {
        long tickNanos = tick.toNanos();
        int electionTicks = (int) Math.min(Integer.MAX_VALUE, ceilDiv(election.toNanos(), tickNanos));
        int heartbeatTicks = (int) Math.max(1, Math.min(Integer.MAX_VALUE, heartbeat.toNanos() / tickNanos));
        int driftTicks = (int) Math.min(Integer.MAX_VALUE, ceilDiv(drift.toNanos(), tickNanos));
        long learnerPerTick = flow.learnerBytesPerSecond() == 0 ? 0
                : Math.max(1, flow.learnerBytesPerSecond() * tickNanos / 1_000_000_000L);
        try {
            return new CoreConfig(electionTicks, heartbeatTicks, preVote, checkQuorum, flow.maxInflight(),
                    flow.maxInflightBytes(), flow.maxAppendBytes(), flow.maxAppendEntries(), driftTicks,
                    flow.catchUpMaxLag(), learnerPerTick);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("election timeout " + election + ", heartbeat interval " + heartbeat
                    + " and lease drift margin " + drift + " do not fit ticks of " + tick + ": " + e.getMessage(), e);
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** {@code timeout} in ticks, rounded up (a timeout never ends early); at least one. */
    public long ticksOf(Duration timeout) {
        return Math.max(1, ceilDiv(timeout.toNanos(), tickInterval.toNanos()));
    }

    public RaftConfig withTickInterval(Duration d) {
        return new RaftConfig(d, electionTimeout, heartbeatInterval, leaseDriftMargin, preVote, checkQuorum, flowControl,
                maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    /**
     * The election timeout, with the heartbeat interval and the lease drift margin set in proportion as the defaults
     * are: a tenth and a fifth of it.
     */
    public RaftConfig withElectionTimeout(Duration d) {
        return new RaftConfig(tickInterval, d, d.dividedBy(10), d.dividedBy(5), preVote, checkQuorum, flowControl,
                maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    public RaftConfig withHeartbeatInterval(Duration d) {
        return new RaftConfig(tickInterval, electionTimeout, d, leaseDriftMargin, preVote, checkQuorum, flowControl,
                maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    public RaftConfig withPreVote(boolean on) {
        return new RaftConfig(tickInterval, electionTimeout, heartbeatInterval, leaseDriftMargin, on, checkQuorum,
                flowControl, maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    public RaftConfig withCheckQuorum(boolean on) {
        return new RaftConfig(tickInterval, electionTimeout, heartbeatInterval, leaseDriftMargin, preVote, on,
                flowControl, maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    public RaftConfig withFlowControl(FlowControl f) {
        return new RaftConfig(tickInterval, electionTimeout, heartbeatInterval, leaseDriftMargin, preVote, checkQuorum,
                f, maxBatch, maxApplyBatch, snapshots, maxPendingRequests, maxPendingBytes);
    }

    public RaftConfig withSnapshots(SnapshotPolicy policy) {
        return new RaftConfig(tickInterval, electionTimeout, heartbeatInterval, leaseDriftMargin, preVote, checkQuorum,
                flowControl, maxBatch, maxApplyBatch, policy, maxPendingRequests, maxPendingBytes);
    }

    /** At most {@code requests} requests and {@code bytes} bytes of commands outstanding at once. */
    public RaftConfig withPendingLimits(int requests, long bytes) {
        return new RaftConfig(tickInterval, electionTimeout, heartbeatInterval, leaseDriftMargin, preVote, checkQuorum,
                flowControl, maxBatch, maxApplyBatch, snapshots, requests, bytes);
    }
}
