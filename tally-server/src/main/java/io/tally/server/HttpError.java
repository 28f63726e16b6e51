package io.tally.server;

/**
 * A request that ends in an error response: status, kebab-case code and message (docs/http-api.md). Thrown by a
 * handler, or carried by the future it returns; {@link Reply#of(HttpError)} turns it into the response.
 */
final class HttpError extends Exception {

    private static final long serialVersionUID = 1L;

    final int status;
    final String code;
    final transient Object extra; // an additional field for the body, e.g. the current version on cas-failed

    HttpError(int status, String code, String message) {
        this(status, code, message, null);
    }

    HttpError(int status, String code, String message, Object extra) {
        super(message, null, false, false); // an answer, not a bug: no stack trace
        this.status = status;
        this.code = code;
        this.extra = extra;
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, "bad-request", message);
    }

    static HttpError noLeader(String message) {
        return new HttpError(503, "no-leader", message);
    }

    /** The node is stopping and did nothing with the request (it was certainly not applied): try another node. */
    static HttpError shuttingDown() {
        return new HttpError(503, "shutting-down", "the node is shutting down");
    }

    static HttpError outcomeUnknown(String message) {
        return new HttpError(504, "outcome-unknown", message);
    }

    /** Seconds a client should wait before retrying an overloaded node. */
    static final int OVERLOADED_RETRY_AFTER_SECONDS = 1;

    /** The node refused the request at once: it holds as many as it may. Nothing was done; retry after a pause. */
    static HttpError overloaded(String message) {
        return new HttpError(503, "overloaded", message);
    }

    /**
     * {@link #overloaded} when {@code cause} is the node's refusal ({@link io.tally.raft.OverloadedException}):
     * nothing of the request happened, whatever kind it was.
     */
    static java.util.Optional<HttpError> ifOverloaded(Throwable cause) {
        return cause instanceof io.tally.raft.OverloadedException
                ? java.util.Optional.of(overloaded(cause.getMessage())) : java.util.Optional.empty();
    }

    /** Headers the error response carries: {@code Retry-After} on {@code overloaded}. */
    java.util.Map<String, String> headers() {
        return code.equals("overloaded")
                ? java.util.Map.of("Retry-After", Integer.toString(OVERLOADED_RETRY_AFTER_SECONDS)) : java.util.Map.of();
    }
}
