package io.tally.server;

/** A request that ends in an error response: status, kebab-case code and message (docs/http-api.md). */
final class HttpError extends Exception {

    private static final long serialVersionUID = 1L;

    final int status;
    final String code;
    final transient Object extra; // an additional field for the body, e.g. the current version on cas-failed

    HttpError(int status, String code, String message) {
        this(status, code, message, null);
    }

    HttpError(int status, String code, String message, Object extra) {
        super(message);
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
}
