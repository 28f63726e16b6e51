package io.tally.testkit.harness;

import io.tally.testkit.sim.Simulation;

import java.util.function.BooleanSupplier;

/** Virtual time for the harness: sleeping and waiting run the simulation. */
public final class SimClock implements HarnessClock {

    private final Simulation sim;

    public SimClock(Simulation sim) {
        this.sim = sim;
    }

    @Override
    public long nowMillis() {
        return sim.nowMillis();
    }

    @Override
    public void sleep(long millis) {
        sim.runFor(millis);
    }

    @Override
    public void after(long millis, Runnable task) {
        sim.schedule(millis * 1_000_000L, "harness", task);
    }

    @Override
    public boolean await(BooleanSupplier condition, long maxMillis) {
        return sim.runUntil(condition, maxMillis);
    }
}
