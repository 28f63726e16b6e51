package io.tally.testkit.sim;

import io.tally.raft.runtime.RaftRuntime;

/**
 * One scheduled occurrence in a {@link Simulation}. Events run in order of virtual time, ties broken by
 * the order in which they were scheduled. {@link #cancel()} keeps a pending event from running.
 */
public class Event implements Comparable<Event>, RaftRuntime.Cancellable {

    private final String label;
    private Runnable task;
    private final Owner owner;
    long timeNanos;
    long sequence;
    private boolean cancelled;

    /** Package-private: events are created by the simulator only. */
    Event(String label, Runnable task, Owner owner) {
        this.label = label;
        this.task = task;
        this.owner = owner;
    }

    /** Virtual time at which this event runs (or ran), in nanoseconds. */
    public final long timeNanos() {
        return timeNanos;
    }

    public final String label() {
        return label;
    }

    /** Keeps this event from running if it has not run yet; idempotent. */
    @Override
    public final void cancel() {
        cancelled = true;
        task = null;
    }

    public final boolean isCancelled() {
        return cancelled;
    }

    /** The owner's pause end (0 without an owner): the event must not run before it. */
    final long heldUntil() {
        return owner == null ? 0 : owner.pausedUntilNanos();
    }

    /** Whether the simulator should run this event when its time comes. */
    final boolean runnable() {
        return !cancelled && (owner == null || owner.isAlive());
    }

    /** Does the event's work; overridden by events that carry their own state instead of a task. */
    void fire() {
        task.run();
    }

    @Override
    public final int compareTo(Event o) {
        int c = Long.compare(timeNanos, o.timeNanos);
        return c != 0 ? c : Long.compare(sequence, o.sequence);
    }

    @Override
    public String toString() {
        return "Event{" + timeNanos + "ns #" + sequence + " " + label + (cancelled ? " cancelled" : "") + "}";
    }
}
