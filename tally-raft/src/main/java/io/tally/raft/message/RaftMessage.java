package io.tally.raft.message;

/**
 * A message between Raft nodes. Messages are one-way: a response is a message of its own, so a
 * transport never has to hold a call open. Every message carries the sender's current term.
 */
public sealed interface RaftMessage
        permits VoteRequest, VoteResponse, AppendRequest, AppendResponse, Heartbeat, HeartbeatResponse,
        TimeoutNow, SnapshotChunk, SnapshotAck {

    String from();

    String to();

    long term();

    /** Requests start an exchange; responses answer one. Fault models drop and delay them separately. */
    default boolean isResponse() {
        return this instanceof VoteResponse || this instanceof AppendResponse || this instanceof HeartbeatResponse
                || this instanceof SnapshotAck;
    }
}
