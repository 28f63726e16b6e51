package io.tally.kv;

/**
 * A value and its version: the Raft index of the write that produced it. Immutable by convention (the array
 * is never modified after construction), so readers may hold one while writes go on.
 */
public record Versioned(byte[] value, long version) {
}
