package io.tally.raft;

/** Base of every error Tally reports to callers. Futures fail with one of its subclasses. */
public class RaftException extends RuntimeException {

    public RaftException(String message) {
        super(message);
    }

    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }

    /** For errors raised often on a hot path (an overloaded node), without the cost of a stack trace. */
    protected RaftException(String message, boolean withStackTrace) {
        super(message, null, false, withStackTrace);
    }
}
