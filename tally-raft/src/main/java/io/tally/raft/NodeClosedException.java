package io.tally.raft;

/** The node was closed (or stopped after a fatal error) before the request completed. */
public class NodeClosedException extends RaftException {

    public NodeClosedException(String message) {
        super(message);
    }

    public NodeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
