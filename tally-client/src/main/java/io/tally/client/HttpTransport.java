package io.tally.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP side of a client and its forks: a pool of connections per endpoint on the JVM's shared event loop group
 * ({@link SharedEventLoop}), and the endpoint that answered last. It closes with the last client that shares it.
 *
 * <p>TLS and credentials live here: a TLS handler in front of each connection's codec ({@link #tlsHandler}, for the
 * pooled connections and the watch and backup streams alike), and the credentials' {@code Authorization} header on
 * each request ({@link #decorate}).
 */
final class HttpTransport {

    final ClientSettings settings;
    /** Null: plaintext HTTP. */
    private final io.netty.handler.ssl.SslContext tls;
    private final Credentials credentials;
    private final EventLoopGroup group;
    private final Bootstrap base;
    private final List<EndpointPool> pools = new ArrayList<>();
    /** Open watch streams: they end when the last client that shares this transport is closed. */
    private final java.util.Set<Runnable> streams = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger users = new AtomicInteger(1);
    /** Calls not finished yet: the event loop group is let go only after the last, so that their retries all run. */
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicBoolean groupReleased = new AtomicBoolean();
    private volatile int preferred;
    private volatile boolean closed;

    HttpTransport(ClientSettings settings) {
        this.settings = settings;
        this.tls = settings.tls();
        this.credentials = settings.credentials();
        this.group = SharedEventLoop.acquire();
        this.base = new Bootstrap()
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
        for (String endpoint : settings.endpoints()) {
            pools.add(new EndpointPool(this, endpoint, group.next(), base, settings.connectionsPerEndpoint(),
                    settings.maxPipelinedRequests()));
        }
    }

    List<String> endpoints() {
        return settings.endpoints();
    }

    /** A bootstrap on one of the shared event loops, with the client's socket options; the caller sets the handler. */
    Bootstrap bootstrap() {
        return base.clone(group.next());
    }

    /** Adds what every request carries besides its own headers: the host, and the credentials' header if any. */
    void decorate(io.netty.handler.codec.http.HttpRequest request, String endpoint) {
        request.headers().set(io.netty.handler.codec.http.HttpHeaderNames.HOST, endpoint)
                .set(io.netty.handler.codec.http.HttpHeaderNames.USER_AGENT, "tally-client");
        String auth = credentials == null ? null : credentials.header();
        if (auth != null) {
            request.headers().set(io.netty.handler.codec.http.HttpHeaderNames.AUTHORIZATION, auth);
        }
    }

    /** The client's credentials (null: none). */
    Credentials credentials() {
        return credentials;
    }

    /** Completes when the credentials are good for a request made now (at once without credentials). */
    CompletableFuture<Void> credentialsReady(long deadline) {
        return credentials == null ? CompletableFuture.completedFuture(null)
                : credentials.ready(new RequestRunner(this), deadline);
    }

    /** A TLS handler for a connection to {@code host:port}, to go first in its pipeline; null for plaintext. */
    io.netty.handler.ssl.SslHandler tlsHandler(io.netty.channel.Channel ch, String host, int port) {
        return tls == null ? null : ClientTls.handler(tls, ch.alloc(), host, port);
    }

    /**
     * Registers an open watch stream, whose {@code end} runs when the transport closes; false (and nothing
     * registered) if it is closed already. A registered stream counts as a call in progress until it is removed.
     */
    boolean addStream(Runnable end) {
        callStarted();
        streams.add(end);
        if (closed) {
            removeStream(end);
            return false;
        }
        return true;
    }

    void removeStream(Runnable end) {
        if (streams.remove(end)) {
            callEnded();
        }
    }

    /** One try of {@code r} at endpoint number {@code endpoint}; the future completes on an event loop thread. */
    CompletableFuture<HttpReply> send(int endpoint, PendingRequest r) {
        pools.get(endpoint).submit(r);
        return r.result;
    }

    /** Runs {@code task} after {@code delayNanos} on the event loop (at once when closed: it then fails its call). */
    void schedule(Runnable task, long delayNanos) {
        if (closed) {
            task.run();
            return;
        }
        try {
            group.next().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task.run(); // closed: the task sees it and fails its call
        }
    }

    int preferred() {
        return preferred;
    }

    void prefer(int endpoint) {
        preferred = endpoint;
    }

    boolean closed() {
        return closed;
    }

    /** Whether the calling thread is an event loop thread, where waiting for an answer would stall every client. */
    boolean inEventLoop() {
        return SharedEventLoop.inEventLoop(group);
    }

    /** One more client shares it (a fork); false if it is already closed. */
    boolean retain() {
        while (true) {
            int n = users.get();
            if (n == 0) {
                return false;
            }
            if (users.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * A client that shared it is closed. The last one closes the connections, which fails the requests on them, and
     * lets go of the event loop once every call still in progress has finished (they fail at their next try).
     */
    void release() {
        if (users.decrementAndGet() == 0) {
            closed = true;
            pools.forEach(EndpointPool::close);
            for (Runnable end : List.copyOf(streams)) {
                end.run();
            }
            releaseGroupIfIdle();
        }
    }

    void callStarted() {
        calls.incrementAndGet();
    }

    void callEnded() {
        if (calls.decrementAndGet() == 0 && closed) {
            releaseGroupIfIdle();
        }
    }

    private void releaseGroupIfIdle() {
        if (calls.get() == 0 && groupReleased.compareAndSet(false, true)) {
            SharedEventLoop.release(group);
        }
    }
}
