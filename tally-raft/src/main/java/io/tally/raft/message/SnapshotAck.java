package io.tally.raft.message;

/**
 * The follower's answer to {@link SnapshotChunk}s: it holds the bytes of snapshot (lastIndex) up to
 * {@code nextOffset}. The leader sends on from there (flow control, and the resume point after a loss).
 */
public record SnapshotAck(String from, String to, long term, long lastIndex, long nextOffset) implements RaftMessage {
}
