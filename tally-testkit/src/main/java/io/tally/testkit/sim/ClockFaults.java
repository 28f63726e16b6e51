package io.tally.testkit.sim;

import java.util.random.RandomGenerator;

/**
 * The clock and timer faults a simulated cluster's nodes get at each start: every incarnation draws its clock's
 * rate error uniformly from [−{@code maxDriftRate}, +{@code maxDriftRate}] and its timers follow {@code timers}.
 * With {@code timerDrivenClocks} every node gets the broken {@link ClockModel#timerDriven()} clock instead (control
 * runs: what counting ticks would do).
 *
 * @param maxDriftRate      most rate error of a node's clock (keep it within {@code CoreConfig.maxClockDriftRate()})
 * @param timers            how late the nodes' timers fire
 * @param timerDrivenClocks give every node the timer-driven clock
 */
public record ClockFaults(double maxDriftRate, TimerModel timers, boolean timerDrivenClocks) {

    /** Exact clocks, punctual timers. */
    public static final ClockFaults NONE = new ClockFaults(0, TimerModel.PUNCTUAL, false);

    public ClockFaults {
        if (!(maxDriftRate >= 0 && maxDriftRate < 0.5)) {
            throw new IllegalArgumentException("maxDriftRate must be in [0, 0.5)");
        }
    }

    /** The same faults, with every node's clock timer-driven (the control run of a lease scenario). */
    public ClockFaults withTimerDrivenClocks() {
        return new ClockFaults(maxDriftRate, timers, true);
    }

    /** The clock of one node incarnation. */
    public ClockModel drawClock(RandomGenerator random) {
        if (timerDrivenClocks) {
            return ClockModel.timerDriven();
        }
        return maxDriftRate == 0 ? ClockModel.exact() : ClockModel.drifting((random.nextDouble() * 2 - 1) * maxDriftRate);
    }
}
