package io.tally.testkit.sim;

/**
 * Thrown out of {@link Simulation#runFor} / {@link Simulation#runUntil} when an event fails or the
 * simulation runs away. The message names the seed, the virtual time and the event, which is all it
 * takes to replay the failure.
 */
public class SimulationException extends RuntimeException {

    private final long seed;
    private final long timeNanos;
    private final String label;

    public SimulationException(long seed, long timeNanos, String label, String what, Throwable cause) {
        super(what + " [seed=" + seed + ", t=" + formatTime(timeNanos) + ", event=" + label + "]", cause);
        this.seed = seed;
        this.timeNanos = timeNanos;
        this.label = label;
    }

    public long seed() {
        return seed;
    }

    public long timeNanos() {
        return timeNanos;
    }

    /** Label of the event that failed, or null when no event was involved. */
    public String label() {
        return label;
    }

    static String formatTime(long nanos) {
        return nanos / 1_000_000 + "." + String.format("%06d", nanos % 1_000_000) + "ms";
    }
}
