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
 */
public record RaftConfig(Duration tickInterval, CoreConfig core, int maxBatch, int maxApplyBatch) {

    public RaftConfig {
        Objects.requireNonNull(tickInterval, "tickInterval");
        Objects.requireNonNull(core, "core");
        if (tickInterval.isNegative() || tickInterval.isZero()) {
            throw new IllegalArgumentException("tickInterval must be positive");
        }
        if (maxBatch < 1 || maxApplyBatch < 1) {
            throw new IllegalArgumentException("batch sizes must be positive");
        }
    }

    public static RaftConfig defaults() {
        return new RaftConfig(Duration.ofMillis(10), CoreConfig.defaults(), 1024, 1024);
    }

    public RaftConfig withCore(CoreConfig c) {
        return new RaftConfig(tickInterval, c, maxBatch, maxApplyBatch);
    }

    public RaftConfig withTickInterval(Duration d) {
        return new RaftConfig(d, core, maxBatch, maxApplyBatch);
    }

    /** The shortest election timeout as a duration. */
    public Duration electionTimeout() {
        return tickInterval.multipliedBy(core.electionTicks());
    }
}
