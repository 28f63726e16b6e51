package io.tally.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tally.kv.Consistency;
import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.kv.Versioned;
import io.tally.raft.NodeClosedException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftState;
import io.tally.raft.RaftTimeoutException;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.node.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP API v1 of a node (docs/http-api.md). Any node serves any request: writes and linearizable or lease reads
 * are served by the leader, to which a follower forwards them (one hop, retried until the request's timeout
 * while no leader is known); stale reads are served locally.
 *
 * <p>Write outcomes are reported exactly: 200 only once the write committed and applied; 503 {@code no-leader}
 * only when it was certainly not proposed; 504 {@code outcome-unknown} when it was proposed and the leader lost
 * leadership or the timeout passed before it applied.
 */
final class KvHttpApi implements AutoCloseable {

    static final String VERSION_HEADER = "X-Tally-Version";
    /** On a forwarded answer: the leader's HTTP address, so that clients can go there directly next time. */
    static final String LEADER_HEADER = "X-Tally-Leader";
    static final String CLIENT_ID_HEADER = "Tally-Client-Id";
    static final String SEQ_HEADER = "Tally-Request-Seq";
    private static final Logger LOG = LoggerFactory.getLogger(KvHttpApi.class);

    static {
        // The JDK server writes a response's headers and body separately; without TCP_NODELAY, Nagle's algorithm
        // holds the body until the client's delayed ACK (~40 ms per request). Read once, when the server
        // classes load, so set it before the first server is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final KvService kv;
    private final LeaderForwarder forwarder;
    private final int maxValueBytes;
    private final NodeMetrics metrics;
    private final ClusterHttpApi cluster;

    private KvHttpApi(HttpServer server, KvService kv, int maxValueBytes, NodeMetrics metrics) {
        this.server = server;
        this.metrics = metrics;
        this.kv = kv;
        this.maxValueBytes = maxValueBytes;
        this.executor = Executors.newFixedThreadPool(64, r -> {
            Thread t = new Thread(r, "tally-http");
            t.setDaemon(true);
            return t;
        });
        this.forwarder = new LeaderForwarder();
        this.cluster = new ClusterHttpApi(kv);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static KvHttpApi start(InetSocketAddress address, KvService kv, int maxValueBytes, NodeMetrics metrics) throws IOException {
        try {
            return new KvHttpApi(HttpServer.create(address, 1024), kv, maxValueBytes, metrics);
        } catch (IOException e) {
            throw new IOException("cannot listen for HTTP on " + address + ": " + e.getMessage(), e);
        }
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    // ------------------------------------------------------------------ routing

    private void handle(HttpExchange http) {
        Exchange ex = null;
        boolean interrupted = false;
        long t0 = System.nanoTime();
        try {
            ex = new Exchange(http);
            route(ex, http.getRequestURI().getRawPath());
        } catch (HttpError e) {
            respondError(http, ex, e);
        } catch (InterruptedException e) {
            // Shutdown (close()) interrupts handlers that still wait. A write that may already be in the log (proposed
            // here, or sent on to the leader) may still apply: saying 503 would tell the client it certainly did not.
            interrupted = true;
            respondError(http, ex, ex != null && ex.inDoubt()
                    ? HttpError.outcomeUnknown("the node is shutting down; the write was already proposed or sent to the "
                            + "leader and may still apply")
                    : HttpError.shuttingDown());
        } catch (IOException | RuntimeException e) {
            LOG.warn("HTTP {} {} failed", http.getRequestMethod(), http.getRequestURI(), e);
            respondError(http, ex, new HttpError(500, "internal", e.toString()));
        } finally {
            http.close(); // after any error response: closing first would drop the connection unanswered
            metrics.recordRequest(operation(http), http.getResponseCode(), System.nanoTime() - t0);
            if (interrupted) {
                // Restored only now: with the flag set, writing the response would close the connection unanswered.
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The operation a request was, for metrics: get, put, delete, append, scan, status, health, metrics, cluster, other. */
    private static String operation(HttpExchange http) {
        String path = http.getRequestURI().getRawPath();
        String method = http.getRequestMethod();
        if (path.equals("/v1/kv")) {
            return "scan";
        }
        if (path.startsWith("/v1/kv/")) {
            return switch (method) {
                case "GET" -> "get";
                case "PUT" -> "put";
                case "DELETE" -> "delete";
                case "POST" -> "append";
                default -> "other";
            };
        }
        return switch (path) {
            case "/v1/sessions" -> "session";
            case "/v1/status" -> "status";
            case "/v1/health" -> "health";
            case "/metrics" -> "metrics";
            default -> path.startsWith("/v1/cluster/") ? "cluster" : "other";
        };
    }

    private static void respondError(HttpExchange http, Exchange ex, HttpError e) {
        try {
            if (ex == null) {
                // The request was refused before it was parsed (a malformed query or timeout).
                byte[] body = Exchange.JSON.writeValueAsBytes(Map.of("error", e.getMessage(), "code", e.code));
                http.getResponseHeaders().set("Content-Type", "application/json");
                http.sendResponseHeaders(e.status, body.length);
                http.getResponseBody().write(body);
            } else {
                ex.error(e);
            }
        } catch (IOException io) {
            LOG.debug("could not send error response: {}", io.toString());
        }
    }

    private void route(Exchange ex, String rawPath) throws HttpError, IOException, InterruptedException {
        String method = ex.method();
        if (rawPath.equals("/v1/status")) {
            requireMethod(method, "GET");
            status(ex);
        } else if (rawPath.equals("/metrics")) {
            requireMethod(method, "GET");
            ex.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8), Map.of());
        } else if (rawPath.equals("/v1/health")) {
            requireMethod(method, "GET");
            health(ex);
        } else if (rawPath.equals("/v1/kv")) {
            requireMethod(method, "GET");
            scan(ex);
        } else if (rawPath.startsWith("/v1/kv/")) {
            String key = key(rawPath.substring("/v1/kv/".length()));
            switch (method) {
                case "GET" -> get(ex, key);
                case "PUT" -> put(ex, key);
                case "DELETE" -> delete(ex, key);
                case "POST" -> {
                    if (!ex.query.containsKey("append")) {
                        throw HttpError.badRequest("POST on a key needs ?append");
                    }
                    append(ex, key);
                }
                default -> throw new HttpError(405, "method-not-allowed", method + " is not allowed on " + rawPath);
            }
        } else if (rawPath.equals("/v1/cluster/members")) {
            switch (method) {
                case "GET" -> viaLeader(ex, false, () -> cluster.members(ex));
                case "POST" -> {
                    byte[] body = ex.body(ClusterHttpApi.MAX_BODY);
                    viaLeader(ex, true, () -> cluster.add(ex, body));
                }
                default -> throw new HttpError(405, "method-not-allowed", method + " is not allowed here; use GET or POST");
            }
        } else if (rawPath.startsWith("/v1/cluster/members/")) {
            requireMethod(method, "DELETE");
            String id;
            try {
                id = java.net.URLDecoder.decode(rawPath.substring("/v1/cluster/members/".length()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw HttpError.badRequest("malformed member id: " + e.getMessage());
            }
            viaLeader(ex, true, () -> cluster.remove(ex, id));
        } else if (rawPath.equals("/v1/cluster/leader")) {
            requireMethod(method, "POST");
            byte[] body = ex.body(ClusterHttpApi.MAX_BODY);
            viaLeader(ex, true, () -> cluster.transfer(ex, body));
        } else if (rawPath.equals("/v1/sessions")) {
            requireMethod(method, "POST");
            openSession(ex);
        } else {
            throw new HttpError(404, "not-found", "no such endpoint: " + rawPath);
        }
    }

    private static void requireMethod(String method, String allowed) throws HttpError {
        if (!method.equals(allowed)) {
            throw new HttpError(405, "method-not-allowed", method + " is not allowed here; use " + allowed);
        }
    }

    private static String key(String rawKey) throws HttpError {
        String key;
        try {
            key = java.net.URLDecoder.decode(rawKey.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("malformed key: " + e.getMessage());
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0) {
            throw new HttpError(400, "invalid-key", "the key is empty");
        }
        if (bytes > KvCommand.MAX_KEY_BYTES) {
            throw new HttpError(400, "invalid-key", "the key is " + bytes + " bytes; the maximum is " + KvCommand.MAX_KEY_BYTES);
        }
        return key;
    }

    // ------------------------------------------------------------------ node state

    private void status(Exchange ex) throws IOException {
        NodeStatus s = kv.node().status();
        Configuration c = s.configuration();
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member m : c.members()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("id", m.id());
            mm.put("raft", m.address());
            mm.put("http", MemberHttp.of(m).orElse(null));
            mm.put("voter", m.voter());
            members.add(mm);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", kv.node().id());
        body.put("state", stateName(s, c));
        body.put("term", s.term());
        body.put("leader", s.leader());
        body.put("commitIndex", s.commitIndex());
        body.put("appliedIndex", kv.node().appliedIndex());
        body.put("lastLogIndex", s.lastLogIndex());
        body.put("configurationIndex", s.configurationIndex());
        body.put("removed", s.removed());
        body.put("members", members);
        ex.json(200, body);
    }

    private String stateName(NodeStatus s, Configuration c) {
        if (s.removed()) {
            return "removed";
        }
        if (s.state() == RaftState.FOLLOWER && c.contains(kv.node().id()) && !c.isVoter(kv.node().id())) {
            return "non-voter";
        }
        return s.state().name().toLowerCase(Locale.ROOT);
    }

    private void health(Exchange ex) throws IOException {
        Optional<String> leader = kv.node().leader();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leader", leader.orElse(null));
        if (leader.isPresent()) {
            body.put("status", "ok");
            ex.json(200, body);
        } else {
            body.put("error", "this node knows no leader");
            body.put("code", "no-leader");
            ex.json(503, body);
        }
    }

    // ------------------------------------------------------------------ reads

    private Consistency consistency(Exchange ex) throws HttpError {
        try {
            return Consistency.parse(ex.query.getOrDefault("consistency", "linearizable"));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
    }

    private void get(Exchange ex, String key) throws HttpError, IOException, InterruptedException {
        Consistency c = consistency(ex);
        if (c == Consistency.STALE) {
            respondValue(ex, key, kv.store().get(key));
            return;
        }
        viaLeader(ex, false, () -> respondValue(ex, key, awaitRead(ex, kv.get(key, c, ex.remaining()))));
    }

    private void respondValue(Exchange ex, String key, Optional<Versioned> v) throws IOException, HttpError {
        if (v.isEmpty()) {
            throw new HttpError(404, "not-found", "no key '" + key + "'");
        }
        ex.send(200, "application/octet-stream", v.get().value(), Map.of(VERSION_HEADER, Long.toString(v.get().version())));
    }

    private void scan(Exchange ex) throws HttpError, IOException, InterruptedException {
        String prefix = ex.query.get("prefix");
        if (prefix == null) {
            throw HttpError.badRequest("a scan needs ?prefix=P (it may be empty: ?prefix=)");
        }
        int limit = (int) Math.min(ex.longParam("limit", 1000, 1), 100_000);
        Consistency c = consistency(ex);
        if (c == Consistency.STALE) {
            respondItems(ex, kv.store().scan(prefix, limit));
            return;
        }
        viaLeader(ex, false, () -> respondItems(ex, awaitRead(ex, kv.scan(prefix, limit, c, ex.remaining()))));
    }

    private static void respondItems(Exchange ex, List<Map.Entry<String, Versioned>> entries) throws IOException {
        List<Map<String, Object>> items = new ArrayList<>(entries.size());
        Base64.Encoder b64 = Base64.getEncoder();
        for (Map.Entry<String, Versioned> e : entries) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("key", e.getKey());
            item.put("value", b64.encodeToString(e.getValue().value()));
            item.put("version", e.getValue().version());
            items.add(item);
        }
        ex.json(200, Map.of("items", items));
    }

    private <T> T awaitRead(Exchange ex, java.util.concurrent.CompletableFuture<T> f)
            throws HttpError, InterruptedException, NotLeaderRetry {
        try {
            return f.get(ex.remaining().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotLeaderException) {
                throw new NotLeaderRetry();
            }
            if (HttpError.ifOverloaded(e.getCause()).isPresent()) {
                throw HttpError.ifOverloaded(e.getCause()).get();
            }
            if (e.getCause() instanceof RaftTimeoutException) {
                throw HttpError.noLeader("leadership could not be confirmed with a quorum within " + ex.timeout.toMillis() + " ms");
            }
            if (e.getCause() instanceof NodeClosedException) {
                throw HttpError.shuttingDown(); // a read changes nothing
            }
            throw HttpError.noLeader("read failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw HttpError.noLeader("no quorum within " + ex.timeout.toMillis() + " ms");
        }
    }

    // ------------------------------------------------------------------ writes

    private void put(Exchange ex, String key) throws HttpError, IOException, InterruptedException {
        byte[] value = ex.body(maxValueBytes);
        KvCommand cmd = KvCommand.put(key, value);
        if (ex.query.containsKey("cas")) {
            cmd = cmd.withExpectedVersion(ex.longParam("cas", 0, 0));
        }
        write(ex, withSession(ex, cmd), false);
    }

    private void append(Exchange ex, String key) throws HttpError, IOException, InterruptedException {
        write(ex, withSession(ex, KvCommand.append(key, ex.body(maxValueBytes))), false);
    }

    private void delete(Exchange ex, String key) throws HttpError, IOException, InterruptedException {
        KvCommand cmd = KvCommand.delete(key);
        if (ex.query.containsKey("cas")) {
            cmd = cmd.withExpectedVersion(ex.longParam("cas", 0, 0));
        }
        write(ex, withSession(ex, cmd), true);
    }

    /**
     * POST /v1/sessions: opens a session through the log (Raft thesis §6.3); its id is the Raft index of the
     * registration. An outcome-unknown registration at worst leaves an unused session, which expires.
     */
    private void openSession(Exchange ex) throws HttpError, IOException, InterruptedException {
        viaLeader(ex, true, () -> {
            long id;
            ex.inDoubt(true); // from here on the registration may be in the log
            try {
                id = kv.openSession(ex.remaining()).get(ex.remaining().toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof NotLeaderException) {
                    ex.inDoubt(false);
                    throw new NotLeaderRetry();
                }
                if (HttpError.ifOverloaded(e.getCause()).isPresent()) {
                    ex.inDoubt(false);
                    throw HttpError.ifOverloaded(e.getCause()).get();
                }
                throw HttpError.outcomeUnknown("the session registration was proposed but its outcome is unknown: "
                        + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw HttpError.outcomeUnknown("the session registration did not apply within " + ex.timeout.toMillis() + " ms");
            }
            ex.json(200, Map.of("session", Long.toString(id)));
        });
    }

    /**
     * The session headers: both or neither. The session id is one that {@code POST /v1/sessions} returned (a
     * positive integer); whether the cluster still holds it is the state machine's answer, not this parser's.
     */
    private static KvCommand withSession(Exchange ex, KvCommand cmd) throws HttpError {
        String client = ex.header(CLIENT_ID_HEADER);
        String seq = ex.header(SEQ_HEADER);
        if (client == null && seq == null) {
            return cmd;
        }
        if (client == null || seq == null) {
            throw HttpError.badRequest(CLIENT_ID_HEADER + " and " + SEQ_HEADER + " go together");
        }
        long session = positive(CLIENT_ID_HEADER, client, "a session id from POST /v1/sessions");
        long n = positive(SEQ_HEADER, seq, "the request's sequence number, from 1");
        return cmd.withSession(session, n);
    }

    private static long positive(String header, String value, String what) throws HttpError {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw HttpError.badRequest(header + " must be " + what + ", not '" + value + "'");
        }
        return n;
    }

    private void write(Exchange ex, KvCommand cmd, boolean isDelete) throws HttpError, IOException, InterruptedException {
        viaLeader(ex, true, () -> {
            KvResult r;
            ex.inDoubt(true);
            try {
                r = kv.write(cmd, ex.remaining()).get(ex.remaining().toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof NotLeaderException) {
                    ex.inDoubt(false);
                    throw new NotLeaderRetry(); // refused before it was proposed
                }
                if (HttpError.ifOverloaded(e.getCause()).isPresent()) {
                    ex.inDoubt(false); // refused at admission: never proposed
                    throw HttpError.ifOverloaded(e.getCause()).get();
                }
                // Leadership lost, timed out, or the node closed (NodeClosedException) while the write waited: it may
                // still commit under the next leader.
                throw HttpError.outcomeUnknown("the write was proposed but its outcome is unknown: " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw HttpError.outcomeUnknown("the write was proposed but did not apply within " + ex.timeout.toMillis() + " ms");
            }
            switch (r.status()) {
                case OK -> {
                    if (isDelete) {
                        ex.json(200, Map.of("deleted", r.deleted()));
                    } else {
                        ex.json(200, Map.of("version", r.version()));
                    }
                }
                case CAS_FAILED -> throw new HttpError(409, "cas-failed", "the key's version is " + r.version(),
                        Map.of("version", r.version()));
                case STALE_REQUEST -> throw new HttpError(409, "stale-request", "this session already applied a later "
                        + "request; the outcome of this one is no longer known");
                case SESSION_EXPIRED -> throw new HttpError(409, "session-expired", "the cluster holds no session "
                        + cmd.session() + " (never opened, or expired): nothing was applied; if an earlier try of this "
                        + "request was sent, its outcome is unknown; open a new session with POST /v1/sessions");
                default -> throw new HttpError(500, "internal", "the state machine could not decode the write");
            }
        });
    }

    // ------------------------------------------------------------------ the leader

    /** Thrown by a local attempt that found this node is not (or no longer) the leader; nothing happened. */
    static final class NotLeaderRetry extends Exception {
        private static final long serialVersionUID = 1L;
    }

    @FunctionalInterface
    interface LeaderCall {
        void run() throws HttpError, IOException, InterruptedException, NotLeaderRetry;
    }

    /**
     * Serves on this node while it leads, else forwards to the leader; retries, until the request's deadline,
     * as long as nothing can have happened (no leader known, leader unreachable before sending, refused as
     * not leader). A forwarded request is never forwarded again.
     */
    private void viaLeader(Exchange ex, boolean isWrite, LeaderCall local) throws HttpError, IOException, InterruptedException {
        boolean forwarded = ex.header(LeaderForwarder.FORWARDED_HEADER) != null;
        byte[] body = null;
        while (true) {
            if (kv.node().status().removed()) {
                // It may never hear from a leader again: say so at once, so that the client asks another member.
                throw HttpError.noLeader("this node was removed from the cluster; ask one of its members");
            }
            if (kv.node().state() == RaftState.LEADER) {
                try {
                    local.run();
                    return;
                } catch (NotLeaderRetry e) {
                    // lost leadership before proposing: look for the new leader
                }
            } else if (!forwarded) {
                String http = leaderHttp();
                if (http != null) {
                    if (body == null) {
                        body = ex.body(maxValueBytes);
                    }
                    ex.inDoubt(isWrite);
                    try {
                        LeaderForwarder.Response r = forwarder.forward(http, ex.method(), ex.http.getRequestURI().getRawPath(),
                                ex.query, ex.remaining(), body, sessionHeaders(ex));
                        if (r.status() == 503 && new String(r.body(), StandardCharsets.UTF_8).contains("\"no-leader\"")) {
                            ex.inDoubt(false); // the leader did not propose it
                        } else {
                            Map<String, String> headers = new LinkedHashMap<>();
                            headers.put(LEADER_HEADER, http);
                            if (r.retryAfter() != null) {
                                headers.put("Retry-After", r.retryAfter()); // the leader is overloaded
                            }
                            if (r.version() != null) {
                                headers.put(VERSION_HEADER, r.version());
                            }
                            ex.send(r.status(), r.contentType(), r.body(), headers);
                            return;
                        }
                    } catch (LeaderForwarder.NotSent e) {
                        ex.inDoubt(false); // unreachable: nothing was sent, try again
                    } catch (IOException e) {
                        if (isWrite) {
                            throw HttpError.outcomeUnknown("lost contact with the leader after forwarding the write: " + e);
                        }
                    }
                }
            }
            if (forwarded || ex.expired()) {
                throw HttpError.noLeader(forwarded ? "this node is not the leader" : "no leader within " + ex.timeout.toMillis() + " ms");
            }
            Thread.sleep(Math.min(25, Math.max(1, ex.remaining().toMillis())));
        }
    }

    /**
     * The HTTP address of the leader this node knows, from the Raft configuration; null while no leader is known
     * (or the configuration here does not list it yet).
     *
     * @throws HttpError 503 when the leader is a member without an HTTP address (one added through the Raft API
     *                   without it): no node can forward to it until a membership change gives it one
     */
    private String leaderHttp() throws HttpError {
        Optional<String> leader = kv.node().leader();
        Optional<Member> member = leader.flatMap(id -> MemberHttp.member(kv.node(), id));
        if (member.isEmpty()) {
            return null;
        }
        return MemberHttp.of(member.get()).orElseThrow(() -> HttpError.noLeader("the leader " + member.get().id()
                + " has no HTTP address in the cluster configuration, so this node cannot forward to it; send the request"
                + " to the leader itself, or give it an address: ./tally add-member " + member.get().id()
                + " RAFT_HOST:PORT HTTP_HOST:PORT"));
    }

    private static Map<String, String> sessionHeaders(Exchange ex) {
        Map<String, String> h = new LinkedHashMap<>();
        for (String name : List.of(CLIENT_ID_HEADER, SEQ_HEADER)) {
            String v = ex.header(name);
            if (v != null) {
                h.put(name, v);
            }
        }
        return h;
    }

    /**
     * Stops serving. Handlers still waiting (for a write's outcome, a read, the leader's answer) are interrupted first
     * and answer — 504 {@code outcome-unknown} when their write may be in the log, else 503 {@code shutting-down} —
     * and only then are the connections closed: stopping the server first would drop those answers.
     */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
    }
}
