package io.tally.testkit.api;

import io.tally.raft.StateMachine;
import io.tally.raft.node.RaftNode;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.testkit.sim.ClockModel;
import io.tally.testkit.sim.NodeIncarnation;
import io.tally.testkit.sim.Simulation;

import java.util.function.LongSupplier;

/**
 * One life of a simulated node (from a start to the next crash), as a {@link NodeService} sees it: the node, its state
 * machine, its clock, and a way to run tasks that belong to this life. Everything scheduled through
 * {@link #schedule} dies with the life: after a crash none of it runs, as nothing of a killed process does.
 *
 * @param <S> your state machine type
 * @param <R> its result type
 */
public final class NodeLife<S extends StateMachine<R>, R> {

    private final int index;
    private final NodeIncarnation incarnation;
    private final RaftNode<R> node;
    private final S stateMachine;
    private final ClockModel clockModel;
    private final LongSupplier clock;
    private final Simulation sim;
    private final String taskLabel;

    NodeLife(int index, NodeIncarnation incarnation, RaftNode<R> node, S stateMachine, ClockModel clockModel,
             LongSupplier clock, Simulation sim) {
        this.index = index;
        this.incarnation = incarnation;
        this.node = node;
        this.stateMachine = stateMachine;
        this.clockModel = clockModel;
        this.clock = clock;
        this.sim = sim;
        this.taskLabel = incarnation.name() + " service";
    }

    /** The node's index in the cluster ({@code 3} for {@code "n3"}). */
    public int index() {
        return index;
    }

    /** The node's id ({@code "n3"}). */
    public String id() {
        return incarnation.nodeId();
    }

    /** Which life of the node this is: 1 for the first start, one more at every restart. */
    public int number() {
        return incarnation.number();
    }

    /** The life's name for reports, {@code "n3#2"}: node {@code n3}, second life. */
    public String name() {
        return incarnation.name();
    }

    /** The node's {@link RaftNode} in this life (started; an initial member is bootstrapped just after this call). */
    public RaftNode<R> node() {
        return node;
    }

    /** Your state machine of this life, as the factory made it (the same instance the cluster checks). */
    public S stateMachine() {
        return stateMachine;
    }

    /**
     * The node's monotonic clock in nanoseconds, as {@code System.nanoTime()} would read in this process: it runs at
     * the rate of the clock Raft's timers use (drift, or a timer-driven control clock, included) from an origin of its
     * own, so readings of two lives, or of two nodes, cannot be compared. It may be read at any time, also after the
     * life ended (a clock goes on; nothing reads it then but reports).
     */
    public LongSupplier clock() {
        return clock;
    }

    /** How this life's clock relates to virtual time (drawn from the cluster's clock faults at each start). */
    public ClockModel clockModel() {
        return clockModel;
    }

    /**
     * Runs {@code task} after {@code delayNanos} of virtual time, on the simulation's thread, as part of this life: it
     * never runs once the node crashed, and it waits while the node is paused. Unlike the node's own timers
     * ({@code node().runtime().schedule}) it is neither stretched by clock drift nor made late by the timer model,
     * which stand for Raft's tick counting. The result cancels the task. Fits {@code KvService.Scheduler}.
     */
    public RaftRuntime.Cancellable schedule(long delayNanos, Runnable task) {
        return sim.schedule(delayNanos, taskLabel, incarnation, task);
    }

    /**
     * The simulation the node runs in, for test code beside it (virtual time, events of its own). Code that stands for
     * the application must read {@link #clock()} instead: a real process has no virtual time.
     */
    public Simulation simulation() {
        return sim;
    }

    /** Whether this life goes on (false once the node crashed or was restarted, or the cluster closed). */
    public boolean isAlive() {
        return incarnation.isAlive();
    }

    /** Until when, in nanoseconds of virtual time, this life is (or was last) paused; 0 if it never was. */
    public long pausedUntilNanos() {
        return incarnation.pausedUntilNanos();
    }

    @Override
    public String toString() {
        return incarnation.toString();
    }
}
