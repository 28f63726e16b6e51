package io.tally.raft;

/**
 * The node already holds as many requests as it may ({@link RaftConfig#maxPendingRequests()},
 * {@link RaftConfig#maxPendingBytes()}): this one was refused at once and nothing of it happened. Retry later, or
 * elsewhere; the HTTP server answers 503 {@code overloaded} with {@code Retry-After}.
 */
public class OverloadedException extends RaftException {

    public OverloadedException(String message) {
        super(message, false); // refusals come by the thousand under overload: no stack trace to fill
    }
}
