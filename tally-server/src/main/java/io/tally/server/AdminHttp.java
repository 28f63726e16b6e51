package io.tally.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tally.raft.LeadershipLostException;
import io.tally.raft.NodeClosedException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftNode;
import io.tally.raft.RaftTimeoutException;
import io.tally.raft.node.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The node process's HTTP API (JSON; errors as {@code {"error": text, "code": kebab-case}}):
 * <ul>
 *   <li>{@code POST /v1/propose[?timeout=2s]} — body is a command (at most 1 MiB); 200 {@code {"index": N}} once
 *       applied; 503 {@code not-leader} (with {@code "leader"}) means it was certainly not applied; 504
 *       {@code outcome-unknown} means it may or may not be.</li>
 *   <li>{@code GET /v1/status} — id, state, term, leader, commitIndex, appliedIndex, lastLogIndex.</li>
 *   <li>{@code GET /v1/applied?from=N[&limit=M]} — the commands this node applied from index N on.</li>
 * </ul>
 */
final class AdminHttp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminHttp.class);
    static final int MAX_COMMAND_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final RaftNode<Long> node;
    private final LogStateMachine stateMachine;

    private AdminHttp(HttpServer server, RaftNode<Long> node, LogStateMachine stateMachine) {
        this.server = server;
        this.node = node;
        this.stateMachine = stateMachine;
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "tally-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static AdminHttp start(InetSocketAddress address, RaftNode<Long> node, LogStateMachine sm) throws IOException {
        HttpServer s;
        try {
            s = HttpServer.create(address, 128);
        } catch (IOException e) {
            throw new IOException("cannot listen for HTTP on " + address + ": " + e.getMessage(), e);
        }
        return new AdminHttp(s, node, sm);
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            URI uri = ex.getRequestURI();
            String path = uri.getPath();
            Map<String, String> query = query(uri.getRawQuery());
            String method = ex.getRequestMethod();
            if (path.equals("/v1/status") && method.equals("GET")) {
                status(ex);
            } else if (path.equals("/v1/propose") && method.equals("POST")) {
                propose(ex, query);
            } else if (path.equals("/v1/applied") && method.equals("GET")) {
                applied(ex, query);
            } else if (path.equals("/v1/status") || path.equals("/v1/propose") || path.equals("/v1/applied")) {
                error(ex, 405, "method-not-allowed", method + " is not allowed on " + path);
            } else {
                error(ex, 404, "not-found", "no such endpoint " + path);
            }
        } catch (BadRequest e) {
            error(ex, 400, "bad-request", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            error(ex, 500, "internal", e.toString());
        }
    }

    private void status(HttpExchange ex) throws IOException {
        NodeStatus s = node.status();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", node.id());
        body.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        body.put("term", s.term());
        body.put("leader", s.leader());
        body.put("commitIndex", s.commitIndex());
        body.put("appliedIndex", node.appliedIndex());
        body.put("lastLogIndex", s.lastLogIndex());
        json(ex, 200, body);
    }

    private void propose(HttpExchange ex, Map<String, String> query) throws IOException, BadRequest {
        Duration timeout = Durations.parse(query.getOrDefault("timeout", "5s"));
        byte[] command = readBody(ex.getRequestBody());
        try {
            long index = node.apply(command, timeout).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            json(ex, 200, Map.of("index", index));
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof NotLeaderException nl) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", "this node is not the leader");
                body.put("code", "not-leader");
                body.put("leader", nl.leaderId().orElse(null));
                json(ex, 503, body);
            } else if (c instanceof RaftTimeoutException || c instanceof LeadershipLostException) {
                error(ex, 504, "outcome-unknown", c.getMessage());
            } else if (c instanceof NodeClosedException) {
                error(ex, 503, "shutting-down", c.getMessage());
            } else {
                error(ex, 500, "internal", String.valueOf(c));
            }
        } catch (TimeoutException e) {
            error(ex, 504, "outcome-unknown", "no outcome within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(ex, 504, "outcome-unknown", "interrupted");
        }
    }

    private void applied(HttpExchange ex, Map<String, String> query) throws IOException, BadRequest {
        long from = number(query, "from", 1);
        int limit = (int) Math.min(number(query, "limit", 10_000), 100_000);
        List<Map<String, Object>> items = new ArrayList<>();
        for (LogStateMachine.Applied a : stateMachine.from(from, limit)) {
            items.add(Map.of("index", a.index(), "data", Base64.getEncoder().encodeToString(a.data())));
        }
        json(ex, 200, Map.of("applied", items));
    }

    private static long number(Map<String, String> query, String name, long dflt) throws BadRequest {
        String v = query.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new BadRequest(name + " must not be negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a number, not '" + v + "'");
        }
    }

    private static byte[] readBody(InputStream in) throws IOException, BadRequest {
        byte[] body = in.readNBytes(MAX_COMMAND_BYTES + 1);
        if (body.length > MAX_COMMAND_BYTES) {
            throw new BadRequest("command exceeds " + MAX_COMMAND_BYTES + " bytes");
        }
        return body;
    }

    private static Map<String, String> query(String raw) throws BadRequest {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = java.net.URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            if (q.put(k, v) != null) {
                throw new BadRequest("query parameter '" + k + "' given twice");
            }
        }
        return q;
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        json(ex, status, Map.of("error", message == null ? code : message, "code", code));
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Malformed request input: 400 with the reason. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }
}
