package io.tally.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Java client of a Tally cluster's HTTP API. Thread-safe; every operation has a synchronous form and an
 * asynchronous one ({@code ...Async}) returning a {@link CompletableFuture}.
 *
 * <ul>
 *   <li><b>Leader tracking</b>: requests go to the node that answered last; any node forwards to the leader,
 *       and an unreachable or leaderless node makes the client try the next endpoint, until the call's
 *       timeout.</li>
 *   <li><b>Exactly-once writes</b> (Raft thesis §6.3): before its first write the client opens a session through
 *       the log ({@code POST /v1/sessions}, {@link #sessionId()}); every write carries the next sequence number of
 *       that session and keeps it across retries, so a write retried after a lost answer or an outcome-unknown
 *       reply is applied at most once and the retry returns the original result. Writes of one client are
 *       therefore issued one at a time, in call order (use several clients for concurrency).</li>
 *   <li><b>Expired sessions</b>: a write the cluster refuses with {@code session-expired} applied nothing, and the
 *       client opens a new session for the next writes. If an earlier try of that write may have applied (it was
 *       sent and no definite answer came back), no session remembers it any more: the write fails with
 *       {@link OutcomeUnknownException}. If no try can have applied, the client retries it on the new session,
 *       unseen by the caller.</li>
 *   <li><b>Errors</b>: {@link ClusterUnavailableException} (not applied), {@link OutcomeUnknownException}
 *       (maybe applied — never silently retried into a duplicate, never reported as a plain failure),
 *       {@link CasFailedException}, and {@link TallyException} for refused requests (bad input).</li>
 * </ul>
 */
public final class TallyClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * One HTTP client and one timer for every TallyClient in the JVM: sessions are per TallyClient, connections
     * are not, and a JDK HttpClient per session would cost a selector thread and its CPU each.
     */
    private static final HttpClient SHARED_HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private static final ScheduledExecutorService SHARED_TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tally-client-timer");
        t.setDaemon(true);
        return t;
    });

    private final List<String> endpoints;
    private final Duration timeout;
    /** The open session (0: none) and the last sequence number used in it; touched only by the write chain. */
    private volatile long session;
    private long seq;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private volatile int preferred;
    private final Object writeLock = new Object();
    private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);

    private TallyClient(List<String> endpoints, Duration timeout) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint (HOST:PORT) is needed");
        }
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.timer = SHARED_TIMER;
        this.http = SHARED_HTTP;
    }

    /** A client of the cluster at these HTTP endpoints ({@code HOST:PORT}), with a 5 s default timeout. */
    public static TallyClient connect(List<String> endpoints) {
        return new TallyClient(endpoints, Duration.ofSeconds(5));
    }

    public static TallyClient connect(List<String> endpoints, Duration timeout) {
        return new TallyClient(endpoints, timeout);
    }

    /**
     * The session this client's writes carry (as {@code Tally-Client-Id}); empty before its first write, and after
     * the cluster said the session expired, until the next write opens a new one.
     */
    public OptionalLong sessionId() {
        long s = session;
        return s == 0 ? OptionalLong.empty() : OptionalLong.of(s);
    }

    // ------------------------------------------------------------------ reads

    public Optional<KeyValue> get(String key) {
        return join(getAsync(key, Consistency.LINEARIZABLE, timeout));
    }

    public Optional<KeyValue> get(String key, Consistency consistency, Duration timeout) {
        return join(getAsync(key, consistency, timeout));
    }

    public CompletableFuture<Optional<KeyValue>> getAsync(String key, Consistency consistency, Duration timeout) {
        return send("GET", "/v1/kv/" + encodeKey(key), "consistency=" + consistency.param(), null, false, timeout)
                .thenApply(r -> {
                    if (r.statusCode() == 404) {
                        return Optional.empty();
                    }
                    expect(r, 200);
                    long version = Long.parseLong(r.headers().firstValue("X-Tally-Version").orElse("0"));
                    return Optional.of(new KeyValue(key, r.body(), version));
                });
    }

    public List<KeyValue> scan(String prefix, int limit) {
        return join(scanAsync(prefix, limit, Consistency.LINEARIZABLE, timeout));
    }

    public CompletableFuture<List<KeyValue>> scanAsync(String prefix, int limit, Consistency consistency, Duration timeout) {
        String query = "prefix=" + URLEncoder.encode(prefix, StandardCharsets.UTF_8) + "&limit=" + limit
                + "&consistency=" + consistency.param();
        return send("GET", "/v1/kv", query, null, false, timeout).thenApply(r -> {
            expect(r, 200);
            List<KeyValue> out = new ArrayList<>();
            for (JsonNode item : json(r).get("items")) {
                out.add(new KeyValue(item.get("key").asText(), Base64.getDecoder().decode(item.get("value").asText()),
                        item.get("version").asLong()));
            }
            return out;
        });
    }

    public List<KeyValue> scan(String prefix, int limit, Consistency consistency, Duration timeout) {
        return join(scanAsync(prefix, limit, consistency, timeout));
    }

    /** The answering node's {@code /v1/status} document. */
    public JsonNode status() {
        return join(statusAsync(timeout));
    }

    public CompletableFuture<JsonNode> statusAsync(Duration timeout) {
        return send("GET", "/v1/status", "", null, false, timeout).thenApply(r -> {
            expect(r, 200);
            return json(r);
        });
    }

    // ------------------------------------------------------------------ writes

    /** Sets the value; returns the key's new version. */
    public long put(String key, byte[] value) {
        return join(putAsync(key, value, -1, timeout));
    }

    /** Sets the value only if the key's version is {@code expectedVersion} (0: the key must not exist). */
    public long put(String key, byte[] value, long expectedVersion) {
        return join(putAsync(key, value, expectedVersion, timeout));
    }

    /** A put with its own timeout; {@code expectedVersion} -1 means unconditional. */
    public long put(String key, byte[] value, long expectedVersion, Duration timeout) {
        return join(putAsync(key, value, expectedVersion, timeout));
    }

    public CompletableFuture<Long> putAsync(String key, byte[] value, long expectedVersion, Duration timeout) {
        String query = expectedVersion >= 0 ? "cas=" + expectedVersion : "";
        return write("PUT", key, query, value, timeout).thenApply(r -> json(r).get("version").asLong());
    }

    /** Appends to the value (creating the key if absent); returns the new version. */
    public long append(String key, byte[] value) {
        return join(appendAsync(key, value, timeout));
    }

    public long append(String key, byte[] value, Duration timeout) {
        return join(appendAsync(key, value, timeout));
    }

    public CompletableFuture<Long> appendAsync(String key, byte[] value, Duration timeout) {
        return write("POST", key, "append", value, timeout).thenApply(r -> json(r).get("version").asLong());
    }

    /** Deletes the key; returns whether it existed. */
    public boolean delete(String key) {
        return join(deleteAsync(key, -1, timeout));
    }

    public boolean delete(String key, long expectedVersion) {
        return join(deleteAsync(key, expectedVersion, timeout));
    }

    /** A delete with its own timeout; {@code expectedVersion} -1 means unconditional. */
    public boolean delete(String key, long expectedVersion, Duration timeout) {
        return join(deleteAsync(key, expectedVersion, timeout));
    }

    public CompletableFuture<Boolean> deleteAsync(String key, long expectedVersion, Duration timeout) {
        String query = expectedVersion >= 0 ? "cas=" + expectedVersion : "";
        return write("DELETE", key, query, null, timeout).thenApply(r -> json(r).get("deleted").asBoolean());
    }

    /** Issues writes one at a time in call order, each with the next sequence number of this client's session. */
    private CompletableFuture<HttpResponse<byte[]>> write(String method, String key, String query, byte[] body, Duration timeout) {
        CompletableFuture<HttpResponse<byte[]>> result = new CompletableFuture<>();
        synchronized (writeLock) {
            CompletableFuture<?> previous = lastWrite;
            lastWrite = result.handle((r, e) -> null);
            previous.whenComplete((r, e) -> {
                Write w = new Write(method, "/v1/kv/" + encodeKey(key), query, body, System.nanoTime() + timeout.toNanos());
                runWrite(w, result);
            });
        }
        return result.thenApply(resp -> {
            if (resp.statusCode() == 409 && "cas-failed".equals(code(resp))) {
                throw new CasFailedException(json(resp).get("version").asLong(), "compare-and-set failed on '" + key
                        + "': its version is " + json(resp).get("version").asLong());
            }
            expect(resp, 200);
            return resp;
        });
    }

    /** One write of the chain: its request, its deadline, and its place in a session once it has one. */
    private static final class Write {
        final String method;
        final String path;
        final String query;
        final byte[] body;
        final long deadline;
        long session;
        long sequence;

        Write(String method, String path, String query, byte[] body, long deadline) {
            this.method = method;
            this.path = path;
            this.query = query;
            this.body = body;
            this.deadline = deadline;
        }
    }

    /** Sends {@code w} on the open session, opening one first if none is; runs only in the write chain. */
    private void runWrite(Write w, CompletableFuture<HttpResponse<byte[]>> result) {
        if (session == 0) {
            openSession(w.deadline).whenComplete((id, err) -> {
                if (err != null) {
                    result.completeExceptionally(unwrap(err));
                    return;
                }
                session = id;
                seq = 0;
                runWrite(w, result);
            });
            return;
        }
        if (w.session != session) {
            w.session = session; // its number in this session, kept across retries
            w.sequence = ++seq;
        }
        CompletableFuture<HttpResponse<byte[]>> sent = new CompletableFuture<>();
        attempt(new Call(w.method, w.path, w.query, w.body, true, w.session, w.sequence, w.deadline, false), preferred, 0,
                false, null, sent);
        sent.whenComplete((resp, err) -> {
            if (err == null) {
                result.complete(resp);
                return;
            }
            Throwable cause = unwrap(err);
            if (!(cause instanceof SessionExpired expired)) {
                result.completeExceptionally(cause);
                return;
            }
            if (session == w.session) {
                session = 0; // the next write opens a new session
            }
            if (expired.maybeApplied) {
                result.completeExceptionally(new OutcomeUnknownException("the session expired after an earlier try of "
                        + "this write may have applied; whether it did can no longer be learned", null));
            } else {
                runWrite(w, result); // no try can have applied: the same write on a new session
            }
        });
    }

    /**
     * Opens a session through the log. Fails with {@link ClusterUnavailableException} whatever became of the
     * registration: the write waiting for it was not sent, so it certainly did not apply (a registration whose
     * outcome is unknown at worst leaves an unused session, which expires).
     */
    private CompletableFuture<Long> openSession(long deadline) {
        CompletableFuture<HttpResponse<byte[]>> r = new CompletableFuture<>();
        attempt(new Call("POST", "/v1/sessions", "", null, true, 0, 0, deadline, false), preferred, 0, false, null, r);
        return r.handle((resp, err) -> {
            if (err != null) {
                Throwable c = unwrap(err);
                throw c instanceof ClusterUnavailableException u ? u
                        : new ClusterUnavailableException("could not open a session: " + c.getMessage(), c);
            }
            expect(resp, 200);
            return Long.parseLong(json(resp).get("session").asText());
        });
    }

    /** A write the cluster refused with {@code session-expired}: nothing applied now. Internal to the write chain. */
    private static final class SessionExpired extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean maybeApplied;

        SessionExpired(boolean maybeApplied) {
            super("session expired", null, false, false);
            this.maybeApplied = maybeApplied;
        }
    }

    // ------------------------------------------------------------------ cluster administration

    /** GET /v1/cluster/members: {"index", "leader", "joint", "members": [{"id", "raft", "http", "voter"}]}. */
    public JsonNode members() {
        return join(send("GET", "/v1/cluster/members", "", null, false, timeout).thenApply(r -> {
            expect(r, 200);
            return json(r);
        }));
    }

    /**
     * Adds a member (a voter joins as a non-voter and is promoted once caught up) or changes an existing member's
     * role; returns the new membership. Not retried once sent: a timeout is an {@link OutcomeUnknownException}.
     */
    public JsonNode addMember(String id, String raftAddress, String httpAddress, boolean voter, Duration timeout) {
        return addMember(id, raftAddress, httpAddress, voter, false, timeout);
    }

    /**
     * As {@link #addMember(String, String, String, boolean, Duration)}; {@code join} says that the request comes from
     * the member itself, starting with empty state ({@code ./tally server --join}). The cluster then refuses it with
     * 409 {@code member-exists} if {@code id} is already a voter: a voter that lost its state must not come back
     * under its old id.
     */
    public JsonNode addMember(String id, String raftAddress, String httpAddress, boolean voter, boolean join, Duration timeout) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("id", id);
        body.put("raft", raftAddress);
        body.put("http", httpAddress);
        body.put("voter", voter);
        if (join) {
            body.put("join", true);
        }
        return admin("POST", "/v1/cluster/members", toJson(body), timeout);
    }

    /** Removes a member (the leader too: it steps down once the change commits); returns the new membership. */
    public JsonNode removeMember(String id, Duration timeout) {
        return admin("DELETE", "/v1/cluster/members/" + encodeKey(id), null, timeout);
    }

    /** Hands leadership to {@code target}, or to the most up-to-date voter when null; returns {"leader", "http"}. */
    public JsonNode transferLeader(String target, Duration timeout) {
        Map<String, Object> body = target == null ? Map.of() : Map.of("id", target);
        return admin("POST", "/v1/cluster/leader", toJson(body), timeout);
    }

    private JsonNode admin(String method, String path, byte[] body, Duration timeout) {
        CompletableFuture<HttpResponse<byte[]>> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        attempt(new Call(method, path, "", body, true, 0, 0, deadline, true), preferred, 0, false, null, result);
        return join(result.thenApply(r -> {
            expect(r, 200);
            return json(r);
        }));
    }

    private static byte[] toJson(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ transport

    private CompletableFuture<HttpResponse<byte[]>> send(String method, String path, String query, byte[] body,
                                                         boolean isWrite, Duration timeout) {
        CompletableFuture<HttpResponse<byte[]>> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        attempt(new Call(method, path, query, body, isWrite, 0, 0, deadline, false), preferred, 0, false, null, result);
        return result;
    }

    /**
     * @param session  the session a write carries with {@code sequence} (0: none, no session headers)
     * @param admin    a cluster change: one try gets all the time left (catch-up can take long), and once it may
     *                 have been applied it is never retried
     */
    private record Call(String method, String path, String query, byte[] body, boolean isWrite, long session, long sequence,
                        long deadline, boolean admin) {
    }

    /**
     * One try at endpoint {@code ep}. {@code maybeApplied}: an earlier try of this write may have reached the
     * leader; then running out of time is an outcome-unknown, not an unavailable cluster.
     */
    private void attempt(Call c, int ep, int tried, boolean maybeApplied, Throwable last,
                         CompletableFuture<HttpResponse<byte[]>> result) {
        long left = c.deadline() - System.nanoTime();
        if (left <= 0) {
            result.completeExceptionally(maybeApplied
                    ? new OutcomeUnknownException("the write may or may not have been applied; no answer within the timeout", last)
                    : new ClusterUnavailableException("no node of " + endpoints + " could serve the request in time", last));
            return;
        }
        // Each try gets part of the time left, so that a partitioned node cannot use it all up.
        long tryMillis = c.admin() ? Math.max(100, TimeUnit.NANOSECONDS.toMillis(left))
                : Math.max(100, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 2000));
        String endpoint = endpoints.get(ep);
        String q = (c.query().isEmpty() ? "" : c.query() + "&") + "timeout=" + tryMillis + "ms";
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + endpoint + c.path() + "?" + q))
                .timeout(Duration.ofMillis(tryMillis + 1000))
                .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        if (c.session() > 0) {
            req.header("Tally-Client-Id", Long.toString(c.session())).header("Tally-Request-Seq", Long.toString(c.sequence()));
        }
        http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((resp, err) -> {
            int next = (ep + 1) % endpoints.size();
            if (err != null) {
                Throwable cause = unwrap(err);
                boolean notSent = cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException;
                if (c.admin() && !notSent) {
                    result.completeExceptionally(new OutcomeUnknownException("no answer to the cluster change; it may or "
                            + "may not take effect", cause));
                    return;
                }
                retryLater(c, next, tried + 1, maybeApplied || (c.isWrite() && !notSent), cause, result);
                return;
            }
            String code = resp.statusCode() >= 500 ? code(resp) : "";
            // Not done, and safe to retry: no leader, a node stopping, or an overloaded node that refused it at once.
            if (resp.statusCode() == 503 && ("no-leader".equals(code) || "shutting-down".equals(code) || "overloaded".equals(code))) {
                retryLater(c, next, tried + 1, maybeApplied, new TallyException(503, code, body(resp)), result);
            } else if (resp.statusCode() == 504 && "outcome-unknown".equals(code) && c.admin()) {
                result.completeExceptionally(new OutcomeUnknownException(body(resp), null));
            } else if (resp.statusCode() == 504 && "outcome-unknown".equals(code)) {
                // Proposed, outcome unknown: retry with the same sequence number; the session answers the truth.
                retryLater(c, ep, tried + 1, true, new OutcomeUnknownException(body(resp), null), result);
            } else if (resp.statusCode() == 409 && c.session() > 0 && "session-expired".equals(code(resp))) {
                // Nothing applied now; whether an earlier try did, only maybeApplied can say (the chain decides).
                result.completeExceptionally(new SessionExpired(maybeApplied));
            } else if (resp.statusCode() == 409 && c.isWrite() && maybeApplied && "stale-request".equals(code(resp))) {
                result.completeExceptionally(new OutcomeUnknownException("the session no longer knows the outcome", null));
            } else {
                // A follower that forwarded names the leader: go there directly next time, if it is one of ours.
                int leader = resp.headers().firstValue("X-Tally-Leader").map(endpoints::indexOf).orElse(-1);
                preferred = leader >= 0 ? leader : ep;
                result.complete(resp);
            }
        });
    }

    private void retryLater(Call c, int ep, int tried, boolean maybeApplied, Throwable last,
                            CompletableFuture<HttpResponse<byte[]>> result) {
        // Try the endpoints in turn; after a full round without success, pause briefly.
        long delay = tried % endpoints.size() == 0 ? 50 : 0;
        if (delay == 0) {
            attempt(c, ep, tried, maybeApplied, last, result);
        } else {
            timer.schedule(() -> attempt(c, ep, tried, maybeApplied, last, result), delay, TimeUnit.MILLISECONDS);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void expect(HttpResponse<byte[]> r, int status) {
        if (r.statusCode() != status) {
            throw new TallyException(r.statusCode(), code(r), body(r));
        }
    }

    private static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new TallyException(r.statusCode(), "bad-response", "the server's answer is not JSON: " + body(r));
        }
    }

    private static String code(HttpResponse<byte[]> r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            return n != null && n.has("code") ? n.get("code").asText() : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String body(HttpResponse<byte[]> r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n != null && n.has("error")) {
                return n.get("error").asText();
            }
        } catch (IOException e) {
            // not JSON
        }
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = unwrap(e);
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new TallyException(0, "client-error", c.toString(), c);
        }
    }

    /** Ends this session on the client side (the shared connections stay for other clients). */
    @Override
    public void close() {
        // nothing of its own to release: the HTTP client and timer are shared
    }

    /** Parses {@code HOST:PORT,HOST:PORT,...}. */
    public static List<String> parseEndpoints(String list) {
        List<String> out = new ArrayList<>();
        for (String e : list.split(",")) {
            String t = e.trim();
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || colon == t.length() - 1) {
                throw new IllegalArgumentException("endpoint '" + t + "' is not HOST:PORT");
            }
            try {
                int port = Integer.parseInt(t.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("endpoint '" + t + "' has a port out of range");
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("endpoint '" + t + "' has no numeric port");
            }
            out.add(t);
        }
        return out;
    }
}
