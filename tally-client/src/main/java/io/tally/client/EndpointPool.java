package io.tally.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one client (and its forks) to one endpoint: opened when needed, up to
 * {@code connectionsPerEndpoint}, kept open between requests. A request goes to an idle connection if there is one,
 * else to a new connection while the pool may grow, else it is pipelined on the least busy connection, up to
 * {@code maxPipelinedRequests} per connection; beyond that it waits for a free place. All of its state lives on
 * one event loop, so it needs no lock: callers hand requests over with {@link #submit}.
 */
final class EndpointPool {

    final HttpTransport transport;
    final String endpoint;
    final String host;
    final int port;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int maxConnections;
    private final int maxPipelined;
    private final List<HttpConnection> connections = new ArrayList<>();
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private boolean closed;

    EndpointPool(HttpTransport transport, String endpoint, EventLoop loop, Bootstrap bootstrap, int maxConnections,
                 int maxPipelined) {
        this.transport = transport;
        this.endpoint = endpoint;
        int colon = endpoint.lastIndexOf(':');
        this.host = endpoint.substring(0, colon);
        this.port = Integer.parseInt(endpoint.substring(colon + 1));
        this.loop = loop;
        this.bootstrap = bootstrap.clone(loop);
        this.maxConnections = maxConnections;
        this.maxPipelined = maxPipelined;
    }

    /** Sends {@code r} (from any thread); its future completes on this pool's event loop. */
    void submit(PendingRequest r) {
        if (loop.inEventLoop()) {
            dispatch(r);
            return;
        }
        try {
            loop.execute(() -> dispatch(r));
        } catch (RejectedExecutionException e) {
            r.fail(new SendFailure("the client is closed", false, e));
        }
    }

    private void dispatch(PendingRequest r) {
        if (closed) {
            r.fail(new SendFailure("the client is closed", false, null));
            return;
        }
        r.timer = loop.schedule(() -> expire(r), r.answerTimeoutNanos, TimeUnit.NANOSECONDS);
        if (r.exclusive) {
            open(true).enqueue(r);
            return;
        }
        HttpConnection c = choose();
        if (c == null) {
            waiting.add(r);
        } else {
            c.enqueue(r);
        }
    }

    /** An idle connection; else a new one while the pool may grow; else the least busy with room in its pipeline. */
    private HttpConnection choose() {
        HttpConnection best = null;
        int pooled = 0;
        for (HttpConnection c : connections) {
            if (!c.acceptsMore()) {
                continue;
            }
            pooled++;
            if (c.load() == 0) {
                return c;
            }
            if (best == null || c.load() < best.load()) {
                best = c;
            }
        }
        if (pooled < maxConnections) {
            return open(false);
        }
        return best != null && best.load() < maxPipelined ? best : null;
    }

    private HttpConnection open(boolean exclusive) {
        HttpConnection c = new HttpConnection(this, exclusive);
        connections.add(c);
        c.open(bootstrap.clone());
        return c;
    }

    private void expire(PendingRequest r) {
        if (r.done()) {
            return;
        }
        long ms = HttpConnection.millis(r.answerTimeoutNanos);
        if (r.connection == null) {
            waiting.remove(r);
            r.fail(new SendFailure("no connection to " + endpoint + " was free within " + ms + " ms", false, null));
        } else {
            r.connection.expire(r, ms);
        }
    }

    /** A connection answered a request: a waiting one may take its place. */
    void slotFreed() {
        drainWaiting();
    }

    void connectionClosed(HttpConnection c, SendFailure connectFailure) {
        connections.remove(c);
        if (connectFailure != null) {
            // The endpoint cannot be reached: the requests waiting for it fail now, and go on to another endpoint.
            while (!waiting.isEmpty()) {
                waiting.poll().fail(connectFailure);
            }
        } else if (!closed) {
            drainWaiting();
        }
    }

    private void drainWaiting() {
        while (!waiting.isEmpty()) {
            HttpConnection c = choose();
            if (c == null) {
                return;
            }
            PendingRequest r = waiting.poll();
            if (!r.done()) {
                c.enqueue(r);
            }
        }
    }

    /** Closes every connection; the requests still held fail (as sent if written). */
    void close() {
        try {
            loop.execute(() -> {
                closed = true;
                while (!waiting.isEmpty()) {
                    waiting.poll().fail(new SendFailure("the client is closed", false, null));
                }
                for (HttpConnection c : List.copyOf(connections)) {
                    c.close();
                }
            });
        } catch (RejectedExecutionException e) {
            // the event loop is gone, and its channels with it
        }
    }
}
