package io.tally.testkit.api;

/** Where the simulated nodes keep their Raft log, hard state and snapshots. */
public enum Storage {

    /**
     * Tally's in-memory stores: a crash keeps exactly what was synced, whole. Fast; no disk faults.
     */
    IN_MEMORY,

    /**
     * Tally's real file stores (segmented log, stable store, snapshot store) on a simulated file system per node, with
     * a page cache: a crash loses unsynced writes or tears the last one, bits can be flipped and the disk can fill up.
     * Needed for the disk faults ({@link Fault#LOST_UNSYNCED_WRITES}, {@link Fault#TORN_WRITES},
     * {@link Fault#BIT_FLIPS}, {@link Fault#DISK_FULL}).
     */
    SIMULATED_FILES
}
