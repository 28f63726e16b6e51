package io.tally.bench.compare;

import java.util.concurrent.CompletableFuture;

/**
 * One node of a Raft library under comparison, as its benchmark process sees it: whether it leads, and the library's
 * own apply API. A future completes once the command is committed and applied by this node's state machine.
 */
interface LibraryNode extends AutoCloseable {

    /**
     * Every node snapshots its state machine once this many entries were applied since the last snapshot: Tally's
     * default, etcd's default {@code --snapshot-count}, and for SOFAJRaft (which has only a timer) and Ratis set in
     * their nodes, so that every library does the same snapshot work per entry.
     */
    long SNAPSHOT_EVERY_ENTRIES = 100_000;

    /** The library's name and version, e.g. {@code "SOFAJRaft 1.4.1"}. */
    String describe();

    boolean isLeader();

    CompletableFuture<?> apply(byte[] command);

    @Override
    void close() throws Exception;
}
