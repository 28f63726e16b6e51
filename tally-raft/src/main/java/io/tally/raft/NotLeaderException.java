package io.tally.raft;

import java.util.Optional;

/** The node is not the leader; the request was not proposed. Retry at {@link #leaderId()} when known. */
public class NotLeaderException extends RaftException {

    private final String leaderId;

    public NotLeaderException(String nodeId, String leaderId) {
        super("node " + nodeId + " is not the leader" + (leaderId == null ? " (leader unknown)" : "; leader is " + leaderId));
        this.leaderId = leaderId;
    }

    /** This node leads but does not take the request now (it is handing leadership over). */
    public NotLeaderException(String nodeId, String leaderId, String reason) {
        super("node " + nodeId + " does not take the request: " + reason);
        this.leaderId = leaderId;
    }

    public Optional<String> leaderId() {
        return Optional.ofNullable(leaderId);
    }
}
