package io.tally.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP request being answered: its query, body and deadline, and the ways to respond. */
final class Exchange {

    static final ObjectMapper JSON = new ObjectMapper();

    final HttpExchange http;
    final Map<String, String> query;
    final Duration timeout;
    final long deadlineNanos;
    private boolean responded;
    private byte[] body;
    /**
     * Whether a write of this request may be in the log: set before it is proposed here or sent on to the leader,
     * cleared only when an answer proves it was not (refused as not leader, leader unreachable, no leader). While
     * set, an interrupted wait is answered 504 outcome-unknown, never 503.
     */
    private boolean inDoubt;

    Exchange(HttpExchange http) throws HttpError {
        this.http = http;
        this.query = parseQuery(http.getRequestURI().getRawQuery());
        String path = http.getRequestURI().getRawPath();
        boolean clusterChange = path != null && path.startsWith("/v1/cluster/") && !"GET".equals(http.getRequestMethod());
        String dflt = clusterChange ? ClusterHttpApi.DEFAULT_TIMEOUT : "5s";
        this.timeout = Durations.parse(query.getOrDefault("timeout", dflt));
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    String method() {
        return http.getRequestMethod();
    }

    String header(String name) {
        return http.getRequestHeaders().getFirst(name);
    }

    /** Time left before the request's deadline (never negative). */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    boolean expired() {
        return System.nanoTime() >= deadlineNanos;
    }

    /** The request body (read once, then remembered), refusing more than {@code max} bytes with 413. */
    byte[] body(int max) throws IOException, HttpError {
        if (body == null) {
            byte[] b = http.getRequestBody().readNBytes(max + 1);
            if (b.length > max) {
                throw new HttpError(413, "value-too-large", "the value exceeds the maximum of " + max + " bytes");
            }
            body = b;
        }
        return body;
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

    void json(int status, Object body) throws IOException {
        send(status, "application/json", JSON.writeValueAsBytes(body), Map.of());
    }

    void error(HttpError e) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.getMessage());
        body.put("code", e.code);
        if (e.extra instanceof Map<?, ?> m) {
            m.forEach((k, v) -> body.put(String.valueOf(k), v));
        }
        send(e.status, "application/json", JSON.writeValueAsBytes(body), e.headers());
    }

    void send(int status, String contentType, byte[] body, Map<String, String> headers) throws IOException {
        if (responded) {
            return;
        }
        responded = true;
        http.getResponseHeaders().set("Content-Type", contentType);
        headers.forEach((k, v) -> http.getResponseHeaders().set(k, v));
        http.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = http.getResponseBody()) {
                out.write(body);
            }
        }
    }

    boolean responded() {
        return responded;
    }

    boolean inDoubt() {
        return inDoubt;
    }

    void inDoubt(boolean inDoubt) {
        this.inDoubt = inDoubt;
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
