package io.tally.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tally.kv.KvService;
import io.tally.raft.storage.SnapshotStore;
import io.tally.transport.netty.tls.ReloadingTls;
import io.tally.transport.netty.tls.TlsContexts;
import io.tally.transport.netty.tls.TlsFiles;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP API v1 of a node (docs/http-api.md) on Netty: an asynchronous pipeline with no thread per request. Per
 * connection: {@link HttpServerCodec} (HTTP/1.1, keep-alive, pipelining), {@link RequestAggregator} (bodies bounded),
 * {@link HttpConnection} (admission, routing, answers in request order). A request is parsed on an event loop, becomes
 * a proposal or a read on the node, and is answered when the future it waits on completes; requests that need the
 * leader go through {@link ViaLeader}, and from a follower over {@link LeaderForwarder}'s pooled connections.
 *
 * <p>Overload is an answer: beyond {@code maxInFlight} requests held at once, one more is answered 503
 * {@code overloaded} with {@code Retry-After: 1} at once; no connection is reset or closed to shed load.
 */
final class HttpFrontDoor implements AutoCloseable {

    /** Pending connections the kernel may queue before the acceptor takes them (capped by net.core.somaxconn). */
    static final int ACCEPT_BACKLOG = 4096;
    /** Request line and headers: a key is up to 4 KiB, percent-encoded up to three times that. */
    private static final int MAX_INITIAL_LINE = 64 * 1024;
    private static final int MAX_HEADERS = 64 * 1024;

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final LeaderForwarder forwarder;
    private final Router router;
    private final NodeMetrics metrics;
    private final StatusPage page;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
    private final ProbeHandler probes;
    /** Signalled when the last request in flight is answered while draining. */
    private final Object drained = new Object();
    private volatile boolean draining;
    private volatile boolean closed;

    private final PasswordChecks passwords;
    /** TLS of the HTTP port (null: plaintext) and of forwarding to the leader's. */
    private ReloadingTls serverTls;
    private final ReloadingTls forwardTls;

    private HttpFrontDoor(InetSocketAddress address, KvService kv, int maxValueBytes, int maxInFlight, NodeMetrics metrics,
                          SnapshotStore snapshots, SecurityOptions security, java.nio.file.Path dataDir,
                          Readiness readiness, StatusPage page)
            throws IOException {
        this.metrics = metrics;
        this.page = page;
        this.maxInFlight = maxInFlight;
        String id = kv.node().id();
        this.acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("tally-http-accept-" + id, true));
        this.workers = new NioEventLoopGroup(2, new DefaultThreadFactory("tally-http-" + id, true));
        ReloadingTls clientTls = null;
        if (security.httpTls()) {
            try {
                serverTls = new ReloadingTls("HTTP server", new TlsFiles(security.tlsCert(), security.tlsKey(),
                        security.tlsClientCa()), f -> TlsContexts.server(f, f.ca() != null));
                clientTls = new ReloadingTls("HTTP forwarding", new TlsFiles(security.tlsCert(), security.tlsKey(),
                        security.tlsCa()), TlsContexts::client);
            } catch (javax.net.ssl.SSLException | RuntimeException e) {
                if (serverTls != null) {
                    serverTls.close();
                }
                shutdownGroups();
                throw new IOException("cannot use the HTTP TLS files (--tls-*): " + e.getMessage(), e);
            }
        }
        this.forwardTls = clientTls;
        this.forwarder = new LeaderForwarder(workers, clientTls);
        this.passwords = new PasswordChecks(id);
        Authenticator authenticator = new Authenticator(kv, passwords, security.tokenTtl(), System::currentTimeMillis);
        this.probes = new ProbeHandler(kv.node(), readiness);
        this.router = new Router(kv, new ViaLeader(kv.node(), forwarder), metrics, maxValueBytes, snapshots,
                authenticator, new AuthRecovery(dataDir), probes, page, forwarder);
        int maxBody = Math.max(maxValueBytes, ClusterJson.MAX_BODY);
        HttpDecoderConfig decoder = new HttpDecoderConfig().setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADERS);
        ServerBootstrap b = new ServerBootstrap().group(acceptor, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (serverTls != null) {
                            ch.pipeline().addLast(new HttpPortDetector(serverTls));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(decoder), new RequestAggregator(maxBody),
                                new HttpConnection(HttpFrontDoor.this));
                    }
                });
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutdownGroups();
            if (serverTls != null) {
                serverTls.close();
                forwardTls.close();
            }
            Throwable c = bound.cause();
            throw new IOException("cannot listen for HTTP on " + address + ": " + c.getMessage(), c);
        }
        this.serverChannel = bound.channel();
    }

    /**
     * Serves HTTP API v1 for {@code kv} on {@code address}.
     *
     * @param maxValueBytes the largest value a write may carry (larger: 413)
     * @param maxInFlight   requests held at once, from their arrival until answered; one more is 503 overloaded
     */
    static HttpFrontDoor start(InetSocketAddress address, KvService kv, int maxValueBytes, int maxInFlight,
                               NodeMetrics metrics, SnapshotStore snapshots, SecurityOptions security,
                               java.nio.file.Path dataDir, Readiness readiness, StatusPage page) throws IOException {
        return new HttpFrontDoor(address, kv, maxValueBytes, maxInFlight, metrics, snapshots, security, dataDir, readiness,
                page);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    Router router() {
        return router;
    }

    ProbeHandler probes() {
        return probes;
    }

    /** Whether the server is draining: every answer closes its connection, and no new connection is accepted. */
    boolean draining() {
        return draining;
    }

    /** Requests held at once right now (admitted and not yet answered). */
    int inFlight() {
        return inFlight.get();
    }

    NodeMetrics metrics() {
        return metrics;
    }

    /** What the status page keeps: requests are recorded in its {@link NodeActivity}. */
    StatusPage statusPage() {
        return page;
    }

    int maxInFlight() {
        return maxInFlight;
    }

    /** Counts one more request in flight, unless the node already holds as many as it may. */
    boolean admit() {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /** An admitted request has its answer. */
    void release() {
        if (inFlight.decrementAndGet() == 0 && draining) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    /**
     * The first half of a graceful stop: no new connection is accepted, every answer from now on closes its
     * connection ({@code Connection: close}), and requests still arriving on open connections are served as usual
     * (a follower forwards them to the leader). Returns once no request is in flight, or at {@code deadlineNanos}
     * ({@link System#nanoTime()}) with the number still in flight; {@link #close()} answers those.
     */
    int drain(long deadlineNanos) throws InterruptedException {
        draining = true;
        serverChannel.close().awaitUninterruptibly(Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000));
        synchronized (drained) {
            long left;
            while (inFlight.get() > 0 && (left = deadlineNanos - System.nanoTime()) > 0) {
                drained.wait(Math.max(1, left / 1_000_000));
            }
        }
        return inFlight.get();
    }

    void opened(HttpConnection c) {
        connections.add(c);
        if (closed) {
            c.shutdown(); // accepted while closing
        }
    }

    void closed(HttpConnection c) {
        connections.remove(c);
    }

    /**
     * Stops serving: stops accepting, answers the requests still waiting — 504 {@code outcome-unknown} when their
     * write may be in the log (proposed here, or sent on to the leader), else 503 {@code shutting-down} — and only
     * then closes the connections.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        List<ChannelFuture> closing = new ArrayList<>();
        for (HttpConnection c : connections) {
            closing.add(c.shutdown());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        forwarder.close();
        passwords.close();
        shutdownGroups();
        if (serverTls != null) {
            serverTls.close();
            forwardTls.close();
        }
    }

    private void shutdownGroups() {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        acceptor.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
