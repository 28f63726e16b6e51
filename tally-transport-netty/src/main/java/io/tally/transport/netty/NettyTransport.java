package io.tally.transport.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The TCP {@link Transport} (docs/wire.md). Each node listens on one address and dials every peer it
 * sends to with two long-lived connections, CONTROL and DATA ({@link Lane}); a peer's messages to us arrive
 * on its own connections, so each direction is an independent pipelined stream. Peer addresses come from
 * the options (bootstrap) and then from the member addresses of the latest configuration.
 *
 * <p>Threads: one acceptor and a small worker group; {@link #send} never blocks and inbound messages are
 * handed to the node on the worker that read them.
 */
public final class NettyTransport implements Transport {

    /** The wire protocol version this build speaks. */
    public static final int PROTOCOL_VERSION = 1;

    static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    private final NettyTransportOptions options;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final Channel server;
    private final TransportStats stats = new TransportStats();
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, 10);
    private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    private final Map<String, PeerLink[]> links = new ConcurrentHashMap<>();
    private volatile Consumer<RaftMessage> inbound;
    private volatile boolean closed;
    private final PeerTls tls;
    /** Every id of every configuration this transport was told of since it started. */
    private final java.util.Set<String> members = ConcurrentHashMap.newKeySet();
    private volatile Configuration latest = Configuration.EMPTY;
    private volatile java.util.function.Predicate<String> admitStranger = id -> true;

    private NettyTransport(NettyTransportOptions options, PeerTls tls) {
        this.options = options;
        this.tls = tls;
        this.addresses.putAll(options.peers());
        this.acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("tally-net-accept-" + options.nodeId(), true));
        this.workers = new NioEventLoopGroup(2, new DefaultThreadFactory("tally-net-" + options.nodeId(), true));
        ServerBootstrap b = new ServerBootstrap().group(acceptor, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        FrameDecoder decoder = new FrameDecoder(options.maxFrameBytes(), true);
                        ch.pipeline().addLast(new RaftPortDetector(NettyTransport.this), decoder, FrameEncoder.INSTANCE,
                                new IdleStateHandler(options.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS),
                                new ServerConnection(NettyTransport.this, decoder));
                    }
                });
        io.netty.channel.ChannelFuture bound = b.bind(options.listen()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutdownGroups();
            Throwable c = bound.cause();
            throw new UncheckedIOException("cannot listen on " + options.listen() + ": " + c.getMessage(),
                    c instanceof IOException io ? io : new IOException(c));
        }
        this.server = bound.channel();
        LOG.info("node {} of cluster '{}' listening for Raft peers on {}", options.nodeId(), options.clusterId(), localAddress());
    }

    /** Starts listening at once (so a bad address fails here); inbound messages are dropped until {@link #start}. */
    public static NettyTransport bind(NettyTransportOptions options) {
        return new NettyTransport(options, null);
    }

    /**
     * As {@link #bind(NettyTransportOptions)}, speaking only mutual TLS with {@code tls} (null: plaintext). The
     * transport closes {@code tls} when it closes.
     */
    public static NettyTransport bind(NettyTransportOptions options, PeerTls tls) {
        try {
            return new NettyTransport(options, tls);
        } catch (RuntimeException e) {
            if (tls != null) {
                tls.close();
            }
            throw e;
        }
    }

    /** Mutual TLS in use on this port, or null for plaintext. */
    PeerTls tls() {
        return tls;
    }

    /**
     * Whether a peer that was never a member of any configuration this node knows (a stranger) may complete a
     * handshake: by default yes. Members, and every peer of a node that has no configuration yet or is outside its
     * own (waiting to be added, or removed), always may. A stranger that may not is refused with a {@code Reject}
     * naming the reason (docs/wire.md): the key/value server admits strangers only while it knows no leader, since a
     * member whose configuration is stale must still be able to hear a leader it does not know yet.
     */
    public void admitStrangers(java.util.function.Predicate<String> admit) {
        this.admitStranger = admit;
    }

    boolean admits(String peer) {
        return members.isEmpty() || members.contains(peer) || !latest.contains(options.nodeId())
                || admitStranger.test(peer);
    }

    /** The address peers are told to dial back: the bound one, or nothing when bound to a wildcard. */
    String advertisedAddress() {
        InetSocketAddress a = localAddress();
        if (a.getAddress() == null || a.getAddress().isAnyLocalAddress()) {
            return "";
        }
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Records the address a peer advertised in its handshake, unless one is already known (addresses from
     * the options or a configuration take precedence): lets a node answer a peer that is not yet in its
     * configuration.
     */
    void learnAddress(String peer, String address) {
        if (address.isEmpty() || addresses.containsKey(peer)) {
            return;
        }
        try {
            addresses.putIfAbsent(peer, parseAddress(address));
        } catch (IllegalArgumentException e) {
            warnings.warn("peer {} advertised an unusable address: {}", peer, e.getMessage());
        }
    }

    /** The address actually bound (the port is chosen by the system when the options ask for port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    public NettyTransportOptions options() {
        return options;
    }

    public TransportStats stats() {
        return stats;
    }

    RateLimitedLog warnings() {
        return warnings;
    }

    @Override
    public void start(Consumer<RaftMessage> handler) {
        this.inbound = handler;
    }

    void deliver(RaftMessage m) {
        Consumer<RaftMessage> h = inbound;
        if (h != null && !closed) {
            stats.messagesReceived.incrementAndGet();
            h.accept(m);
        }
    }

    @Override
    public void send(RaftMessage m) {
        if (closed) {
            return;
        }
        PeerLink[] l = links(m.to());
        if (l == null || !l[Lane.of(m).ordinal()].send(m)) {
            stats.messagesDropped.incrementAndGet();
        }
    }

    private PeerLink[] links(String peer) {
        PeerLink[] l = links.get(peer);
        if (l != null) {
            return l;
        }
        InetSocketAddress a = addresses.get(peer);
        if (a == null || peer.equals(options.nodeId())) {
            warnings.warn("no address known for peer '{}'; dropping messages to it", peer);
            return null;
        }
        return links.computeIfAbsent(peer, p -> new PeerLink[] {
                new PeerLink(this, p, a, Lane.CONTROL, workers.next()),
                new PeerLink(this, p, a, Lane.DATA, workers.next())});
    }

    /**
     * Member addresses of the latest configuration, {@code host:port}, replace earlier ones; a peer whose
     * address changed is redialled at the new one.
     */
    @Override
    public void configurationChanged(Configuration configuration) {
        members.addAll(configuration.allIds());
        latest = configuration;
        for (Member m : configuration.members()) {
            if (m.id().equals(options.nodeId()) || m.address().isEmpty()) {
                continue;
            }
            InetSocketAddress a;
            try {
                a = parseAddress(m.address());
            } catch (IllegalArgumentException e) {
                warnings.warn("member {} has an unusable address: {}", m.id(), e.getMessage());
                continue;
            }
            InetSocketAddress old = addresses.put(m.id(), a);
            if (old != null && !old.equals(a)) {
                PeerLink[] l = links.remove(m.id());
                if (l != null) {
                    l[0].close();
                    l[1].close();
                }
            }
        }
    }

    /** Parses {@code host:port} (IPv6 hosts in brackets); the host is resolved when dialled. */
    public static InetSocketAddress parseAddress(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + s + "' is not HOST:PORT");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' has no numeric port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " in '" + s + "' is out of range");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (PeerLink[] l : links.values()) {
            l[0].close();
            l[1].close();
        }
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdownGroups();
        if (tls != null) {
            tls.close();
        }
    }

    private void shutdownGroups() {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        acceptor.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
