package io.tally.raft;

/** Base of every error Tally reports to callers. Futures fail with one of its subclasses. */
public class RaftException extends RuntimeException {

    public RaftException(String message) {
        super(message);
    }

    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }
}
