package io.tally.testkit.sim;

import io.tally.raft.runtime.ExecutorRole;

import java.util.random.RandomGenerator;

/** How long, in virtual time, a task handed to a simulated {@link io.tally.raft.runtime.SerialExecutor} waits before it runs. */
@FunctionalInterface
public interface LatencyModel {

    /**
     * Default model: the log writer's tasks take 200µs + uniform[0, 800µs) each (an fsync); every other executor runs
     * its tasks at the current virtual time, after the events already queued for that time.
     */
    LatencyModel DEFAULT = (role, r) -> role == ExecutorRole.LOG_WRITER ? 200_000L + r.nextLong(800_000L) : 0L;

    /** Every executor runs its tasks at the current virtual time. */
    LatencyModel ZERO = (role, r) -> 0L;

    long delayNanos(ExecutorRole role, RandomGenerator r);
}
