package io.tally.testkit.sim;

import io.tally.raft.runtime.ExecutorRole;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.SerialExecutor;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * {@link RaftRuntime} of one node incarnation inside a {@link Simulation}: timers and executor tasks are simulation
 * events, nothing of it runs once the incarnation is dead, and nothing runs while it is paused
 * ({@link NodeIncarnation#pauseUntil}). The clock follows a {@link ClockModel} (virtual time by default; a drifting
 * clock; a timer-driven one for control runs) and timers a {@link TimerModel} (punctual by default; jittery or late).
 */
public final class SimRuntime implements RaftRuntime {

    private final Simulation sim;
    private final NodeIncarnation incarnation;
    private final LatencyModel latency;
    private final RandomGenerator random;
    private final RandomGenerator latencyRandom;
    private final String timerLabel;
    private final ClockModel clock;
    private final TimerModel timers;
    /** Draws timer lateness; null for punctual timers (so that they draw nothing from the simulation's seed). */
    private final RandomGenerator timerRandom;
    /** Virtual time and local clock reading when this incarnation's clock started (drifting clocks). */
    private final long originVirtual;
    private final long originLocal;
    /** The timer-driven clock's reading. */
    private long timerDrivenNow;

    public SimRuntime(Simulation sim, NodeIncarnation incarnation, LatencyModel latency) {
        this(sim, incarnation, latency, ClockModel.exact(), TimerModel.PUNCTUAL);
    }

    public SimRuntime(Simulation sim, NodeIncarnation incarnation, LatencyModel latency, ClockModel clock, TimerModel timers) {
        this.sim = Objects.requireNonNull(sim, "sim");
        this.incarnation = Objects.requireNonNull(incarnation, "incarnation");
        this.latency = Objects.requireNonNull(latency, "latency");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timers = Objects.requireNonNull(timers, "timers");
        // Two streams, so that executor latencies never perturb the node's own random choices.
        this.random = sim.newRandom();
        this.latencyRandom = sim.newRandom();
        this.timerLabel = incarnation.name() + "/timer";
        this.timerRandom = timers.equals(TimerModel.PUNCTUAL) ? null : sim.newRandom();
        this.originVirtual = sim.nowNanos();
        // A drifting clock starts from an arbitrary reading: monotonic clocks of two processes share no origin.
        this.originLocal = clock.equals(ClockModel.exact()) || clock.isTimerDriven() ? originVirtual
                : sim.newRandom().nextLong(1L << 50);
        this.timerDrivenNow = originVirtual;
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

    public ClockModel clockModel() {
        return clock;
    }

    @Override
    public long nanoTime() {
        if (clock.isTimerDriven()) {
            return timerDrivenNow;
        }
        if (clock.driftRate() == 0) {
            return sim.nowNanos();
        }
        return originLocal + (long) ((sim.nowNanos() - originVirtual) * (1 + clock.driftRate()));
    }

    /**
     * A timer set for {@code delay} on this node's clock: it fires after that delay of the node's clock (so later or
     * sooner in virtual time on a drifting clock), plus the {@link TimerModel}'s jitter and lateness, and not while
     * the node is paused.
     */
    @Override
    public Cancellable schedule(long delay, TimeUnit unit, Runnable task) {
        long local = Math.max(0, unit.toNanos(delay));
        long virtual = clock.driftRate() == 0 ? local : (long) Math.ceil(local / (1 + clock.driftRate()));
        if (timerRandom != null) {
            virtual += timers.extraNanos(timerRandom);
        }
        if (clock.isTimerDriven()) {
            long due = timerDrivenNow + local;
            return sim.schedule(virtual, timerLabel, incarnation, () -> {
                timerDrivenNow = Math.max(timerDrivenNow, due);
                task.run();
            });
        }
        return sim.schedule(virtual, timerLabel, incarnation, task);
    }

    @Override
    public SerialExecutor newExecutor(ExecutorRole role) {
        return new SimExecutor(role);
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

        private final ExecutorRole role;
        private final String label;
        private long lastTime;
        private boolean closed;

        SimExecutor(ExecutorRole role) {
            this.role = Objects.requireNonNull(role, "role");
            this.label = incarnation.name() + "/" + role.threadName();
        }

        @Override
        public void execute(Runnable task) {
            Objects.requireNonNull(task, "task");
            if (closed || !incarnation.isAlive()) {
                return;
            }
            long t = Math.max(sim.timeAfter(latency.delayNanos(role, latencyRandom)), lastTime);
            lastTime = t;
            sim.enqueue(new Event(label, task, this), t);
        }

        @Override
        public boolean isAlive() {
            // Tasks submitted before close() still run (SerialExecutor contract); a dead incarnation runs nothing.
            return incarnation.isAlive();
        }

        @Override
        public long pausedUntilNanos() {
            return incarnation.pausedUntilNanos();
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
