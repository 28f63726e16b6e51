package io.tally.raft;

/**
 * The request did not complete within its timeout. If it had been proposed, its outcome is unknown:
 * it may still be committed and applied later.
 */
public class RaftTimeoutException extends RaftException {

    public RaftTimeoutException(String message) {
        super(message);
    }
}
