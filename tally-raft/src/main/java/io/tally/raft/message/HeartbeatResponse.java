package io.tally.raft.message;

/** Answer to a {@link Heartbeat}: the follower is alive and accepts the sender as leader of {@code term}. */
public record HeartbeatResponse(String from, String to, long term) implements RaftMessage {
}
