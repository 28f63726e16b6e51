package io.tally.testkit.sim;

/**
 * Something an {@link Event} belongs to. The simulator skips (never runs) an event whose owner is no
 * longer alive, e.g. a timer of a crashed node or a task of a closed executor.
 */
interface Owner {

    boolean isAlive();
}
