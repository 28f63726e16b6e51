package io.tally.raft.core;

/** A snapshot's position in the log: its last included entry and the configuration in force there. */
public record SnapshotPoint(long index, long term, Configuration configuration) {
}
