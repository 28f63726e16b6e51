package io.tally.testkit.api;

import io.tally.testkit.sim.Simulation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The readable story of a simulated run: faults injected and lifted, nodes crashing, restarting and stopping,
 * leaders elected, membership changes, client operations and their answers, and the check that failed, each
 * stamped with the virtual time. A failing run's report ends with its last lines. (The simulator's own event trace,
 * one line per message and timer, is {@link Simulation#enableTrace()}.)
 */
public final class Trace {

    private final Simulation sim;
    private final List<String> lines = new ArrayList<>();

    Trace(Simulation sim) {
        this.sim = sim;
    }

    /** Adds a line stamped with the current virtual time. */
    public void record(String what) {
        long nanos = sim.nowNanos();
        lines.add(String.format("%9d.%03d ms  %s", nanos / 1_000_000, (nanos / 1_000) % 1_000, what));
    }

    /** Every line so far, oldest first. */
    public List<String> lines() {
        return Collections.unmodifiableList(lines);
    }

    /** The last {@code count} lines (all when there are fewer). */
    public List<String> tail(int count) {
        return List.copyOf(lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    @Override
    public String toString() {
        return String.join("\n", lines);
    }
}
