package io.tally.raft.runtime;

/**
 * The threads of control of a node ({@link RaftRuntime#newExecutor}): what each one does, so that a runtime can treat
 * them differently (the simulator gives the log writer a disk's latency) without guessing from names.
 */
public enum ExecutorRole {
    /** Owns the Raft core; handles every event. */
    RAFT_LOOP("raft-loop"),
    /** Persists entries and hard state, one sync per batch (group commit). */
    LOG_WRITER("log-writer"),
    /** Writes snapshots the state machine took. */
    SNAPSHOT_WRITER("snapshot-writer"),
    /** Streams snapshots to and from peers. */
    SNAPSHOT_TRANSFER("snapshot-transfer"),
    /** Applies committed entries to the state machine and completes callers' futures. */
    APPLY("apply");

    private final String threadName;

    ExecutorRole(String threadName) {
        this.threadName = threadName;
    }

    /** The name of its thread (a suffix of the node's), and of its events in the simulator's traces. */
    public String threadName() {
        return threadName;
    }
}
