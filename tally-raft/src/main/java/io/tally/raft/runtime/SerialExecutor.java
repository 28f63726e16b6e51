package io.tally.raft.runtime;

import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order. {@link #close()} lets the tasks already submitted run,
 * drops later ones silently, and ends the underlying thread (if any).
 */
public interface SerialExecutor extends Executor, AutoCloseable {

    @Override
    void close();
}
