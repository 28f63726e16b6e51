package io.tally.testkit.sim;

import java.util.random.RandomGenerator;

/** How long, in virtual time, a task handed to a simulated {@link io.tally.raft.runtime.SerialExecutor} waits before it runs. */
@FunctionalInterface
public interface LatencyModel {

    /** Executors whose name contains this are treated as disk writers by {@link #DEFAULT}. */
    String LOG_WRITER = "log-writer";

    /**
     * Default model: executors whose name contains {@value #LOG_WRITER} take 200µs + uniform[0, 800µs)
     * per task (an fsync); every other executor runs its tasks at the current virtual time, after the
     * events already queued for that time.
     */
    LatencyModel DEFAULT = (executorName, r) ->
            executorName.contains(LOG_WRITER) ? 200_000L + r.nextLong(800_000L) : 0L;

    /** Every executor runs its tasks at the current virtual time. */
    LatencyModel ZERO = (executorName, r) -> 0L;

    long delayNanos(String executorName, RandomGenerator r);
}
