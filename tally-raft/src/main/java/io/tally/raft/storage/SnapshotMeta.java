package io.tally.raft.storage;

import io.tally.raft.model.Configuration;

/** Describes a snapshot: the last log entry it covers and the configuration in force at that entry. */
public record SnapshotMeta(long lastIndex, long lastTerm, Configuration configuration, long sizeBytes) {
}
