package io.tally.raft.runtime;

import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Everything a node takes from its environment: time, timers, threads and randomness. Production uses
 * {@link ThreadRuntime} (threads and the wall clock); the simulator runs every node of a cluster on one
 * deterministic discrete-event scheduler through another implementation of this interface.
 */
public interface RaftRuntime {

    /** Monotonic time in nanoseconds. */
    long nanoTime();

    /**
     * Runs {@code task} once after {@code delay}. The task must be short and non-blocking (it hands work
     * to a {@link SerialExecutor}).
     */
    Cancellable schedule(long delay, TimeUnit unit, Runnable task);

    /** A new executor for {@code role} that runs its tasks one at a time, in submission order, on its own thread of control. */
    SerialExecutor newExecutor(ExecutorRole role);

    /** This node's source of randomness (seeded in the simulator). */
    RandomGenerator random();

    /** A scheduled task. */
    interface Cancellable {
        void cancel();
    }
}
