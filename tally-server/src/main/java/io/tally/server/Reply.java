package io.tally.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP response, built by a handler and written by {@link HttpConnection}. {@link #of(HttpError)} and
 * {@link #failure(Throwable)} are the one place where errors become responses (docs/http-api.md: JSON
 * {@code {"error", "code"}}, {@code Retry-After} on {@code overloaded}).
 */
record Reply(int status, String contentType, byte[] body, Map<String, String> headers, ResponseStream stream) {

    Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        this(status, contentType, body, headers, null);
    }

    /** A 200 whose body {@code stream} writes over time (chunked). */
    static Reply streaming(String contentType, Map<String, String> headers, ResponseStream stream) {
        return new Reply(200, contentType, new byte[0], headers, stream);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Reply.class);
    static final String JSON_TYPE = "application/json";

    static Reply json(int status, Object body) {
        try {
            return new Reply(status, JSON_TYPE, Exchange.JSON.writeValueAsBytes(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a response as JSON", e);
        }
    }

    /** This reply with {@code name: value} added (or replaced). */
    Reply withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Reply(status, contentType, body, h, stream);
    }

    /** The response of an error: its status, {@code {"error", "code"}} plus any extra fields, and its headers. */
    static Reply of(HttpError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.getMessage());
        body.put("code", e.code);
        if (e.extra instanceof Map<?, ?> m) {
            m.forEach((k, v) -> body.put(String.valueOf(k), v));
        }
        Reply r = json(e.status, body);
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            r = r.withHeader(h.getKey(), h.getValue());
        }
        return r;
    }

    /**
     * The response of a request that ended in {@code failure}: the {@link HttpError} it carries, else (a bug) 500
     * {@code internal}.
     */
    static Reply failure(Throwable failure) {
        Throwable t = Exchange.unwrap(failure);
        if (t instanceof HttpError e) {
            return of(e);
        }
        LOG.warn("HTTP request failed", t);
        return of(new HttpError(500, "internal", t.toString()));
    }
}
