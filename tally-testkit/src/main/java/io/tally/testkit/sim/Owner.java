package io.tally.testkit.sim;

/**
 * Something an {@link Event} belongs to. The simulator skips (never runs) an event whose owner is no
 * longer alive, e.g. a timer of a crashed node or a task of a closed executor, and holds back an event whose
 * owner is paused until the pause ends.
 */
interface Owner {

    boolean isAlive();

    /** Virtual time until which the owner is paused (a frozen process); at or before now when it runs. */
    default long pausedUntilNanos() {
        return 0;
    }
}
