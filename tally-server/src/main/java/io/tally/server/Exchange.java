package io.tally.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP request being answered: its method, path, query, headers, body and deadline. It belongs to the event loop
 * of its connection: handlers touch it there, and {@link #then} brings the completion of a node's future back there.
 */
final class Exchange {

    static final ObjectMapper JSON = new ObjectMapper();

    private final EventLoop loop;
    private final String method;
    private final String path;
    final Map<String, String> query;
    private final HttpHeaders headers;
    private final byte[] body;
    final Duration timeout;
    /** How long a blocking query ({@code ?index=N}) may wait for a change before it reads; zero for other requests. */
    final Duration wait;
    private final long deadlineNanos;
    /**
     * Whether a write of this request may be in the log: set before it is proposed here or sent on to the leader,
     * cleared only when an answer proves it was not (refused as not leader, leader unreachable, no leader). While
     * set, a request still waiting when the server shuts down is answered 504 outcome-unknown, never 503.
     */
    private boolean inDoubt;
    /** A write proposed on this node whose outcome is unknown (leadership lost): in doubt whatever happens after. */
    private boolean proposedInDoubt;
    /** Set once the request has its answer (or its client is gone): nothing more is to be done for it. */
    private boolean answered;
    /**
     * The user this node authenticated the request as ({@link Authenticator}); "" while authentication is off or
     * before the request was authenticated. Never taken from another node: a forwarded request is authenticated again.
     */
    private String user = "";

    /**
     * @param rawPath  the request's path, still percent-encoded
     * @param rawQuery the query string, still percent-encoded, or null
     * @throws HttpError 400 for a malformed query (a duplicated parameter included) or {@code timeout}
     */
    Exchange(EventLoop loop, String method, String rawPath, String rawQuery, HttpHeaders headers, byte[] body)
            throws HttpError {
        this.loop = loop;
        this.method = method;
        this.path = rawPath;
        this.headers = headers;
        this.body = body;
        this.query = parseQuery(rawQuery);
        boolean clusterChange = rawPath.startsWith("/v1/cluster/") && !"GET".equals(method);
        String dflt = clusterChange ? ClusterJson.DEFAULT_TIMEOUT : "5s";
        this.timeout = Durations.parse(query.getOrDefault("timeout", dflt));
        this.wait = BlockingQuery.waitOf(query);
        this.deadlineNanos = System.nanoTime() + timeout.toNanos() + wait.toNanos();
    }

    EventLoop loop() {
        return loop;
    }

    String method() {
        return method;
    }

    /** The path, still percent-encoded. */
    String path() {
        return path;
    }

    String header(String name) {
        return headers.get(name);
    }

    /** Whether another node forwarded this request (it must not travel further). */
    boolean forwarded() {
        return header(LeaderForwarder.FORWARDED_HEADER) != null;
    }

    /** The request body as received (bounded by the server's aggregation limit). */
    byte[] body() {
        return body;
    }

    /** The request body, refusing more than {@code max} bytes with 413 {@code value-too-large}. */
    byte[] body(int max) throws HttpError {
        if (body.length > max) {
            throw valueTooLarge(max);
        }
        return body;
    }

    static HttpError valueTooLarge(int max) {
        return new HttpError(413, "value-too-large", "the value exceeds the maximum of " + max + " bytes");
    }

    /** Time left before the request's deadline (never negative). */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    boolean expired() {
        return System.nanoTime() >= deadlineNanos;
    }

    boolean inDoubt() {
        return inDoubt || proposedInDoubt;
    }

    /**
     * This node proposed the write and lost leadership before it applied: it may still commit, so the request stays
     * in doubt even when a later try through the new leader is refused before it is sent.
     */
    void proposedInDoubt() {
        this.proposedInDoubt = true;
    }

    void inDoubt(boolean inDoubt) {
        this.inDoubt = inDoubt;
    }

    boolean answered() {
        return answered;
    }

    /** The authenticated user, or "" (authentication off, or an endpoint open to all). */
    String user() {
        return user;
    }

    void user(String user) {
        this.user = user;
    }

    void answered(boolean answered) {
        this.answered = answered;
    }

    long longParam(String name, long dflt, long min) throws HttpError {
        String v = query.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min) {
                throw HttpError.badRequest("query parameter " + name + " must be at least " + min + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("query parameter " + name + " must be an integer, not '" + v + "'");
        }
    }

    /** What to do once a node's future completed: exactly one of {@code value} and {@code failure} is set. */
    @FunctionalInterface
    interface Step<T> {
        Reply apply(T value, Throwable failure) throws Exception;
    }

    /**
     * Runs {@code step} on this request's event loop once {@code f} completes, or fails with a
     * {@link java.util.concurrent.TimeoutException} {@code graceMillis} after the request's deadline (the node times
     * its requests out itself; this only guarantees an answer). The returned future carries the step's reply, or
     * what it threw.
     */
    <T> CompletableFuture<Reply> then(CompletableFuture<T> f, long graceMillis, Step<T> step) {
        CompletableFuture<Reply> out = new CompletableFuture<>();
        f.orTimeout(remaining().toMillis() + graceMillis, TimeUnit.MILLISECONDS).whenComplete((v, e) -> onLoop(() -> {
            try {
                out.complete(step.apply(v, e == null ? null : unwrap(e)));
            } catch (Throwable x) { // whatever the step threw, the request gets its answer (500 for a bug)
                out.completeExceptionally(x);
            }
        }, out));
        return out;
    }

    /** {@code f}'s outcome (unwrapped), delivered on this request's event loop. */
    <T> CompletableFuture<T> onLoop(CompletableFuture<T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        f.whenComplete((v, e) -> onLoop(() -> {
            if (e != null) {
                out.completeExceptionally(unwrap(e));
            } else {
                out.complete(v);
            }
        }, out));
        return out;
    }

    /** Runs {@code task} on this request's event loop (at once if already there); if the loop is gone, fails {@code orElse}. */
    void onLoop(Runnable task, CompletableFuture<?> orElse) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            orElse.completeExceptionally(HttpError.shuttingDown()); // the server stopped: the answer went out already
        }
    }

    /**
     * A request body that must be one JSON object; {@code shape} shows what is expected (for the error message).
     *
     * @throws HttpError 400 for an empty body, one that is not JSON, or JSON that is not an object
     */
    static com.fasterxml.jackson.databind.JsonNode jsonObject(byte[] body, String shape) throws HttpError {
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = body.length == 0 ? null : JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw HttpError.badRequest("the body is not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw HttpError.badRequest("the body is not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw HttpError.badRequest("the body must be a JSON object " + shape);
        }
        return n;
    }

    /** The cause a future failed with, without the wrappers of {@link CompletableFuture}. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static Map<String, String> parseQuery(String raw) throws HttpError {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k;
            String v;
            try {
                k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw HttpError.badRequest("malformed query string: " + e.getMessage());
            }
            if (q.put(k, v) != null) {
                throw HttpError.badRequest("query parameter '" + k + "' given twice");
            }
        }
        return q;
    }
}
