package io.tally.raft.core;

import io.tally.raft.model.Configuration;

/** A snapshot's position in the log: its last included entry and the configuration in force there. */
public record SnapshotPoint(long index, long term, Configuration configuration) {
}
