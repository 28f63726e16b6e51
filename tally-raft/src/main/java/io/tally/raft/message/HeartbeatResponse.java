package io.tally.raft.message;

/**
 * Answer to a {@link Heartbeat}: the follower is alive and accepts the sender as leader of {@code term};
 * {@code context} echoes the heartbeat's round.
 */
public record HeartbeatResponse(String from, String to, long term, long context) implements RaftMessage {

    public HeartbeatResponse(String from, String to, long term) {
        this(from, to, term, 0);
    }
}
