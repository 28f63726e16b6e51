package io.tally.testkit.sim;

import java.util.random.RandomGenerator;

/**
 * How late a simulated node's timers fire ({@link SimRuntime#schedule}): a timer set for {@code d} fires after
 * {@code d} plus a jitter drawn uniformly from [0, {@code jitterNanos}], plus, with probability
 * {@code lateProbability}, a lateness drawn uniformly from [0, {@code maxLateNanos}] — a timer thread that was
 * starved, a loaded machine. Timers never fire early.
 *
 * @param jitterNanos     most extra delay of every timer
 * @param lateProbability chance that a timer is late on top of its jitter
 * @param maxLateNanos    most lateness of a late timer
 */
public record TimerModel(long jitterNanos, double lateProbability, long maxLateNanos) {

    /** Timers fire exactly when due. */
    public static final TimerModel PUNCTUAL = new TimerModel(0, 0, 0);

    public TimerModel {
        if (jitterNanos < 0 || maxLateNanos < 0 || lateProbability < 0 || lateProbability > 1) {
            throw new IllegalArgumentException("jitter and lateness must be >= 0 and the probability in [0, 1]");
        }
    }

    /** The extra delay of one timer. */
    long extraNanos(RandomGenerator random) {
        long extra = jitterNanos > 0 ? random.nextLong(jitterNanos + 1) : 0;
        if (lateProbability > 0 && random.nextDouble() < lateProbability) {
            extra += maxLateNanos > 0 ? random.nextLong(maxLateNanos + 1) : 0;
        }
        return extra;
    }
}
