package io.tally.testkit.sim;

import java.util.Objects;

/**
 * One life of a simulated node: from start to crash. Restarting a node means killing its incarnation
 * and creating the next one; timers, executor tasks and messages of a dead incarnation never run.
 */
public final class NodeIncarnation implements Owner {

    private final String nodeId;
    private final int number;
    private final String name;
    private boolean alive = true;
    private long pausedUntil;

    public NodeIncarnation(String nodeId, int number) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.number = number;
        this.name = nodeId + "#" + number;
    }

    /** The first incarnation (number 1) of {@code nodeId}. */
    public static NodeIncarnation first(String nodeId) {
        return new NodeIncarnation(nodeId, 1);
    }

    /** Kills this incarnation (if still alive) and returns the node's next one. */
    public NodeIncarnation next() {
        kill();
        return new NodeIncarnation(nodeId, number + 1);
    }

    public String nodeId() {
        return nodeId;
    }

    public int number() {
        return number;
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    /** Crashes this incarnation: none of its pending or future events will run. Idempotent. */
    public void kill() {
        alive = false;
    }

    /**
     * Freezes this incarnation until virtual time {@code untilNanos}, as a GC pause, SIGSTOP or a starved machine
     * would: none of its timers or executor tasks run meanwhile (they run, all at once and in order, when the pause
     * ends), messages to it wait, and its clock (virtual time) goes on. Extends a pause in progress, never shortens it.
     */
    public void pauseUntil(long untilNanos) {
        pausedUntil = Math.max(pausedUntil, untilNanos);
    }

    @Override
    public long pausedUntilNanos() {
        return pausedUntil;
    }

    /** Whether this incarnation is paused at virtual time {@code nowNanos}. */
    public boolean isPausedAt(long nowNanos) {
        return pausedUntil > nowNanos;
    }

    /** "node#number", the prefix of this incarnation's event labels. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name + (alive ? "" : " (dead)");
    }
}
