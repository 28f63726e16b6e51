package io.tally.testkit.sim;

/**
 * How a simulated node's monotonic clock ({@link SimRuntime#nanoTime()}) relates to virtual time. Each node
 * incarnation gets its own clock, with its own origin: monotonic clocks of different processes are never
 * comparable, and code that compares them is wrong.
 *
 * <ul>
 *   <li>{@link #exact()}: virtual time itself;</li>
 *   <li>{@link #drifting(double)}: runs at {@code 1 + rate} times virtual time — a quartz running fast or slow;
 *       timers are set on this clock too, so a timer for {@code d} fires after {@code d / (1 + rate)} of virtual
 *       time;</li>
 *   <li>{@link #timerDriven()}: a broken clock for control runs. It stands still except when one of the node's
 *       timers fires, and then moves to when that timer was due on it (the time it was set plus its delay):
 *       what counting ticks amounts to. A pause, or a timer that fires late, is invisible to it.</li>
 * </ul>
 */
public final class ClockModel {

    private static final ClockModel EXACT = new ClockModel(0, false);
    private static final ClockModel TIMER_DRIVEN = new ClockModel(0, true);

    private final double driftRate;
    private final boolean timerDriven;

    private ClockModel(double driftRate, boolean timerDriven) {
        if (!(driftRate > -0.5 && driftRate < 0.5)) {
            throw new IllegalArgumentException("drift rate must be in (-0.5, 0.5), was " + driftRate);
        }
        this.driftRate = driftRate;
        this.timerDriven = timerDriven;
    }

    public static ClockModel exact() {
        return EXACT;
    }

    /** A clock running {@code rate} fast (0.05: 5 % fast; -0.05: 5 % slow). */
    public static ClockModel drifting(double rate) {
        return rate == 0 ? EXACT : new ClockModel(rate, false);
    }

    /** The clock that only counts the node's timers (ticks): blind to pauses and to late timers. */
    public static ClockModel timerDriven() {
        return TIMER_DRIVEN;
    }

    public double driftRate() {
        return driftRate;
    }

    public boolean isTimerDriven() {
        return timerDriven;
    }

    @Override
    public String toString() {
        return timerDriven ? "timer-driven" : driftRate == 0 ? "exact" : String.format("drifting %+.3f", driftRate);
    }
}
