package io.tally.client;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One try of a request at one endpoint, from the moment it is handed to the endpoint's pool until it is answered
 * or fails. Its state after submission is touched only on the pool's event loop.
 */
final class PendingRequest {

    final HttpMethod method;
    /** Path and query, already encoded. */
    final String uri;
    /** The session and sequence number a write carries (0: none). */
    final long session;
    final long sequence;
    final byte[] body;
    /** On a connection of its own, closed after the answer: a long cluster change must not hold up other requests. */
    final boolean exclusive;
    /** How long this try may take in all, waiting for a connection included. */
    final long answerTimeoutNanos;
    final CompletableFuture<HttpReply> result = new CompletableFuture<>();

    /** The connection it was given to (null while it waits for one), and whether it was written to it. */
    HttpConnection connection;
    boolean written;
    ScheduledFuture<?> timer;

    PendingRequest(String method, String uri, long session, long sequence, byte[] body, boolean exclusive,
                   long answerTimeoutNanos) {
        this.method = HttpMethod.valueOf(method);
        this.uri = uri;
        this.session = session;
        this.sequence = sequence;
        this.body = body;
        this.exclusive = exclusive;
        this.answerTimeoutNanos = answerTimeoutNanos;
    }

    FullHttpRequest toNetty(HttpTransport transport, String host) {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        transport.decorate(req, host);
        if (method != HttpMethod.GET) {
            req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.length);
        }
        if (session > 0) {
            req.headers().set("Tally-Client-Id", Long.toString(session)).set("Tally-Request-Seq", Long.toString(sequence));
        }
        return req;
    }

    boolean done() {
        return result.isDone();
    }

    void succeed(HttpReply reply) {
        cancelTimer();
        result.complete(reply);
    }

    void fail(SendFailure failure) {
        cancelTimer();
        result.completeExceptionally(failure);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
