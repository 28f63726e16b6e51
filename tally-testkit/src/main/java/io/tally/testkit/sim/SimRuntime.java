package io.tally.testkit.sim;

import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.SerialExecutor;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * {@link RaftRuntime} of one node incarnation inside a {@link Simulation}: the clock is virtual time,
 * timers and executor tasks are simulation events, and nothing of it runs once the incarnation is dead.
 */
public final class SimRuntime implements RaftRuntime {

    private final Simulation sim;
    private final NodeIncarnation incarnation;
    private final LatencyModel latency;
    private final RandomGenerator random;
    private final RandomGenerator latencyRandom;
    private final String timerLabel;

    public SimRuntime(Simulation sim, NodeIncarnation incarnation, LatencyModel latency) {
        this.sim = Objects.requireNonNull(sim, "sim");
        this.incarnation = Objects.requireNonNull(incarnation, "incarnation");
        this.latency = Objects.requireNonNull(latency, "latency");
        // Two streams, so that executor latencies never perturb the node's own random choices.
        this.random = sim.newRandom();
        this.latencyRandom = sim.newRandom();
        this.timerLabel = incarnation.name() + "/timer";
    }

    public SimRuntime(Simulation sim, NodeIncarnation incarnation) {
        this(sim, incarnation, LatencyModel.DEFAULT);
    }

    public Simulation simulation() {
        return sim;
    }

    public NodeIncarnation incarnation() {
        return incarnation;
    }

    @Override
    public long nanoTime() {
        return sim.nowNanos();
    }

    @Override
    public Cancellable schedule(long delay, TimeUnit unit, Runnable task) {
        return sim.schedule(unit.toNanos(delay), timerLabel, incarnation, task);
    }

    @Override
    public SerialExecutor newExecutor(String name) {
        return new SimExecutor(name);
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    @Override
    public String toString() {
        return "SimRuntime{" + incarnation + "}";
    }

    /**
     * Runs each task as its own event, delayed per the latency model but never before the executor's
     * previous task, so tasks run in submission order.
     */
    private final class SimExecutor implements SerialExecutor, Owner {

        private final String name;
        private final String label;
        private long lastTime;
        private boolean closed;

        SimExecutor(String name) {
            this.name = Objects.requireNonNull(name, "name");
            this.label = incarnation.name() + "/" + name;
        }

        @Override
        public void execute(Runnable task) {
            Objects.requireNonNull(task, "task");
            if (closed || !incarnation.isAlive()) {
                return;
            }
            long t = Math.max(sim.timeAfter(latency.delayNanos(name, latencyRandom)), lastTime);
            lastTime = t;
            sim.enqueue(new Event(label, task, this), t);
        }

        @Override
        public boolean isAlive() {
            // Tasks submitted before close() still run (SerialExecutor contract); a dead incarnation runs nothing.
            return incarnation.isAlive();
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public String toString() {
            return "SimExecutor{" + label + (closed ? ", closed" : "") + "}";
        }
    }
}
