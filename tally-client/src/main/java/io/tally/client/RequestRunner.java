package io.tally.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs one call to completion: tries the endpoints (the one that answered last first), follows the leader hint,
 * retries what the server says is safe to retry under the {@link RetryPolicy}, gives each try a part of the call's
 * time, and turns what it learns into the call's outcome, keeping track of whether a write may have applied.
 */
final class RequestRunner {

    /** What a try waits beyond the time the server was given, for the answer to travel. */
    private static final long ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The least time a try is given. */
    private static final long MIN_TRY_MILLIS = 100;

    private final HttpTransport transport;
    private final ClientSettings settings;

    RequestRunner(HttpTransport transport) {
        this.transport = transport;
        this.settings = transport.settings;
    }

    /**
     * One call.
     *
     * @param session  the session a write carries with {@code sequence} (0: none, no session headers)
     * @param admin    a cluster change: one try gets all the time left (catch-up can take long), on a connection of its
     *                 own, and once it may have been applied it is never retried
     * @param blocking  a blocking query, whose tries wait for a change until {@code waitUntil}
     * @param waitUntil a blocking query's end of waiting ({@link System#nanoTime()}): each try waits for a change until
     *                 then on top of its own time, so a try that fails mid-wait is followed by one that waits the rest;
     *                 the call's deadline lies that much later too
     */
    record Call(String method, String path, String query, byte[] body, boolean isWrite, long session, long sequence,
                long deadline, boolean admin, boolean blocking, long waitUntil) {

        Call(String method, String path, String query, byte[] body, boolean isWrite, long session, long sequence,
             long deadline, boolean admin) {
            this(method, path, query, body, isWrite, session, sequence, deadline, admin, false, 0);
        }

        static Call read(String path, String query, long deadline) {
            return new Call("GET", path, query, null, false, 0, 0, deadline, false);
        }

        /** A blocking query: {@code query} carries {@code index=N}; each try adds the {@code wait} left. */
        static Call blockingRead(String path, String query, long deadline, long waitUntil) {
            return new Call("GET", path, query, null, false, 0, 0, deadline, false, true, waitUntil);
        }

        /** The nanoseconds a try started now still waits for a change (0: not a blocking query, or the wait is over). */
        long waitLeft(long now) {
            return blocking ? Math.max(0, waitUntil - now) : 0;
        }
    }

    /**
     * One call, with the client's credentials: a token is fetched first when one is needed, and a 401 answer that a
     * new token may cure (user and password credentials) is followed by one more run with a new token. A 401 applied
     * nothing, so running a write again is safe (it keeps its session and sequence number).
     */
    CompletableFuture<HttpReply> run(Call c) {
        Credentials credentials = transport.credentials();
        if (credentials == null) {
            return runOnce(c);
        }
        return credentials.ready(this, c.deadline()).thenCompose(x -> {
            String sent = credentials.header();
            return runOnce(c).thenCompose(reply -> {
                if (reply.status() != 401 || !credentials.renewable()) {
                    return CompletableFuture.completedFuture(reply);
                }
                credentials.refused(sent);
                return credentials.ready(this, c.deadline()).thenCompose(y -> runOnce(c));
            });
        });
    }

    /** One call with whatever credentials the transport holds now. */
    CompletableFuture<HttpReply> runOnce(Call c) {
        CompletableFuture<HttpReply> result = new CompletableFuture<>();
        transport.callStarted();
        result.whenComplete((r, e) -> transport.callEnded());
        attempt(c, transport.preferred(), 0, false, null, result);
        return result;
    }

    /**
     * One try at endpoint {@code ep}. {@code maybeApplied}: an earlier try of this write may have reached the leader;
     * then running out of time is an outcome-unknown, not an unavailable cluster.
     */
    private void attempt(Call c, int ep, int tried, boolean maybeApplied, Throwable last, CompletableFuture<HttpReply> result) {
        long now = System.nanoTime();
        // A blocking query's wait is not the try's own time: what is left for the try excludes the wait still ahead.
        long waitLeftMillis = TimeUnit.NANOSECONDS.toMillis(c.waitLeft(now));
        long left = c.deadline() - now - TimeUnit.MILLISECONDS.toNanos(waitLeftMillis);
        if (transport.closed()) {
            result.completeExceptionally(maybeApplied
                    ? new OutcomeUnknownException("the client was closed; the write may or may not have been applied", last)
                    : new TallyException(0, "client-closed", "the client is closed", last));
            return;
        }
        if (left <= 0 || tried >= settings.retryPolicy().maxAttempts()) {
            String why = left <= 0 ? "within the timeout" : "in " + tried + " attempt" + (tried == 1 ? "" : "s");
            result.completeExceptionally(maybeApplied
                    ? new OutcomeUnknownException("the write may or may not have been applied; no answer " + why, last)
                    : new ClusterUnavailableException("no node of " + transport.endpoints() + " could serve the request "
                    + why + (last == null ? "" : " (last: " + last.getMessage() + ")"), last));
            return;
        }
        // Each try gets part of the time left, so that a partitioned node cannot use it all up.
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(left);
        long tryMillis = c.admin() ? Math.max(MIN_TRY_MILLIS, leftMillis)
                : Math.max(MIN_TRY_MILLIS, Math.min(leftMillis, settings.attemptTimeout().toMillis()));
        String wait = !c.blocking() ? "" : "wait=" + Math.max(1, waitLeftMillis) + "ms&";
        String uri = c.path() + "?" + (c.query().isEmpty() ? "" : c.query() + "&") + wait + "timeout=" + tryMillis + "ms";
        PendingRequest r = new PendingRequest(c.method(), uri, c.session(), c.sequence(), c.body(), c.admin(),
                TimeUnit.MILLISECONDS.toNanos(tryMillis + waitLeftMillis) + ANSWER_GRACE_NANOS);
        transport.send(ep, r).whenComplete((reply, err) -> {
            int next = (ep + 1) % transport.endpoints().size();
            if (err instanceof SendFailure f && f.handshake != null) {
                result.completeExceptionally(maybeApplied
                        ? new OutcomeUnknownException("the write may or may not have been applied; then: "
                        + f.getMessage(), f.handshake)
                        : f.handshake);
                return;
            }
            if (err != null) {
                boolean sent = !(err instanceof SendFailure f) || f.sent;
                if (c.admin() && sent) {
                    result.completeExceptionally(new OutcomeUnknownException("no answer to the cluster change; it may or "
                            + "may not take effect", err));
                    return;
                }
                retryLater(c, next, tried + 1, maybeApplied || (c.isWrite() && sent), err, result);
                return;
            }
            answered(c, ep, next, tried, maybeApplied, reply, result);
        });
    }

    private void answered(Call c, int ep, int next, int tried, boolean maybeApplied, HttpReply reply,
                          CompletableFuture<HttpReply> result) {
        int status = reply.status();
        String code = status >= 500 || status == 409 ? Json.code(reply) : "";
        if (status == 503 && ("no-leader".equals(code) || "shutting-down".equals(code) || "overloaded".equals(code))) {
            // Not done, and safe to retry: no leader, a node stopping, or an overloaded node that refused it at once.
            retryLater(c, next, tried + 1, maybeApplied, Json.error(reply), result);
        } else if (status == 504 && "outcome-unknown".equals(code) && c.admin()) {
            result.completeExceptionally(new OutcomeUnknownException(Json.errorText(reply), null));
        } else if (status == 504 && "outcome-unknown".equals(code)) {
            // Proposed, outcome unknown: retry with the same sequence number; the session answers the truth.
            retryLater(c, ep, tried + 1, true, new OutcomeUnknownException(Json.errorText(reply), null), result);
        } else if (status == 409 && c.session() > 0 && "session-expired".equals(code)) {
            // Nothing applied now; whether an earlier try did, only maybeApplied can say (the write chain decides).
            result.completeExceptionally(new WriteSession.SessionExpired(maybeApplied));
        } else if (status == 409 && c.isWrite() && maybeApplied && "stale-request".equals(code)) {
            result.completeExceptionally(new OutcomeUnknownException("the session no longer knows the outcome", null));
        } else {
            // A follower that forwarded names the leader: go there directly next time, if it is one of ours.
            String hint = reply.header("X-Tally-Leader");
            int leader = hint == null ? -1 : transport.endpoints().indexOf(hint);
            transport.prefer(leader >= 0 ? leader : ep);
            result.complete(reply);
        }
    }

    private void retryLater(Call c, int ep, int tried, boolean maybeApplied, Throwable last, CompletableFuture<HttpReply> result) {
        // Try the endpoints in turn; after each full round without success, pause.
        int size = transport.endpoints().size();
        if (tried % size != 0) {
            attempt(c, ep, tried, maybeApplied, last, result);
            return;
        }
        // Through the timer even without a pause: a try that fails at once must not recurse round after round.
        long pause = settings.retryPolicy().backoffNanos(tried / size, ThreadLocalRandom.current().nextDouble());
        transport.schedule(() -> attempt(c, ep, tried, maybeApplied, last, result), pause);
    }
}
