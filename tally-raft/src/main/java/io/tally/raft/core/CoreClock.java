package io.tally.raft.core;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The core's view of time: the length of one tick, and a monotonic clock read where a decision depends on
 * how much real time has passed. Ticks drive timers (elections, heartbeats), where firing late only delays
 * things; leases are safety, so they are measured on the clock (DESIGN.md §2.2): a process paused for seconds
 * (GC, SIGSTOP, a starved timer thread) sees one late tick, but its clock has moved on by the whole pause.
 *
 * <p>The clock is injected like the random source: the runtime gives the node's monotonic clock, the simulator
 * its virtual (possibly drifting) one, unit tests a counter they advance. Given the same clock readings the core
 * still makes the same decisions.
 *
 * @param tickNanos      length of one tick in nanoseconds, to turn tick counts of the configuration into time
 * @param monotonicNanos a monotonic clock in nanoseconds (only differences between readings matter)
 */
public record CoreClock(long tickNanos, LongSupplier monotonicNanos) {

    public CoreClock {
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tickNanos must be positive");
        }
        Objects.requireNonNull(monotonicNanos, "monotonicNanos");
    }

    /** The clock's current reading. */
    public long now() {
        return monotonicNanos.getAsLong();
    }

    /** {@code ticks} ticks as nanoseconds. */
    public long ofTicks(long ticks) {
        return ticks * tickNanos;
    }
}
