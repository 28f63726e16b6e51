package io.tally.transport.netty;

import io.tally.wire.WireMessages;
import io.tally.wire.WireFormatException;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tally.raft.model.Entry;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.SnapshotChunk;
import io.tally.wire.v1.Frame;
import io.tally.wire.v1.Hello;
import io.tally.wire.v1.Ping;
import io.tally.wire.v1.Welcome;

import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The long-lived outbound connection from this node to one peer on one {@link Lane}.
 *
 * <p>Messages are queued (bounded by bytes: a full queue drops new messages, which Raft resends) and
 * written, pipelined, by the link's event loop; one flush covers everything queued at that moment. The
 * queue drains only while Netty's outbound buffer is below its high-water mark, so a slow peer's TCP window
 * pushes back into the queue instead of into unbounded memory. While the peer is unreachable, messages are
 * dropped and the link reconnects with capped exponential back-off and jitter.
 *
 * <p>State is confined to the link's event loop; {@link #send} and {@link #close} may be called from any thread.
 */
final class PeerLink {

    private enum State { IDLE, CONNECTING, OPEN, BACKOFF, CLOSED }

    private final NettyTransport transport;
    private final String peer;
    private final InetSocketAddress address;
    private final String where; // host:port as configured, for logs
    private final Lane lane;
    private final EventLoop loop;
    private final long maxQueueBytes;
    private final Backoff backoff;
    private final ConcurrentLinkedQueue<RaftMessage> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile State state = State.IDLE;
    private Channel channel;
    private long lastReadNanos;
    private long pingNonce;

    PeerLink(NettyTransport transport, String peer, InetSocketAddress address, Lane lane, EventLoop loop) {
        this.transport = transport;
        this.peer = peer;
        this.address = address;
        this.where = address.getHostString() + ":" + address.getPort();
        this.lane = lane;
        this.loop = loop;
        NettyTransportOptions o = transport.options();
        this.maxQueueBytes = lane == Lane.CONTROL ? o.controlQueueBytes() : o.dataQueueBytes();
        this.backoff = new Backoff(o.reconnectBase(), o.reconnectMax(),
                new SplittableRandom(System.nanoTime() ^ peer.hashCode() ^ lane.ordinal()));
    }

    InetSocketAddress address() {
        return address;
    }

    /** Queues a message; returns false (dropped) if the peer is unreachable or the queue is full. */
    boolean send(RaftMessage m) {
        State s = state;
        if (s == State.BACKOFF || s == State.CLOSED) {
            return false;
        }
        long size = estimateBytes(m);
        if (queuedBytes.addAndGet(size) > maxQueueBytes) {
            queuedBytes.addAndGet(-size);
            return false;
        }
        queue.add(m);
        if (drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
        return true;
    }

    void close() {
        loop.execute(() -> {
            state = State.CLOSED;
            if (channel != null) {
                channel.close();
            }
            dropQueued();
        });
    }

    // ------------------------------------------------------------------ on the event loop

    private void drain() {
        drainScheduled.set(false);
        switch (state) {
            case IDLE -> connect();
            case OPEN -> {
                boolean wrote = false;
                while (channel.isWritable()) {
                    RaftMessage m = queue.poll();
                    if (m == null) {
                        break;
                    }
                    long size = estimateBytes(m);
                    queuedBytes.addAndGet(-size);
                    // AppendRequests, the bulk of the traffic, are written without building their protobuf form.
                    Frame f = m instanceof AppendRequest ? null : WireMessages.toFrame(m);
                    int bytes = f == null ? WireMessages.appendFrameBytes((AppendRequest) m) : f.getSerializedSize();
                    if (bytes > transport.options().maxFrameBytes()) {
                        transport.warnings().warn("dropping {} to {}: {} bytes exceeds the frame limit", m, peer, bytes);
                        transport.stats().messagesDropped.incrementAndGet();
                        continue;
                    }
                    Object out = f == null ? FrameCodec.encodeAppend(channel.alloc(), (AppendRequest) m, bytes) : f;
                    channel.write(out, channel.voidPromise());
                    transport.stats().messagesSent.incrementAndGet();
                    transport.stats().bytesSent.addAndGet(bytes + FrameCodec.HEADER_BYTES);
                    wrote = true;
                }
                if (wrote) {
                    channel.flush();
                }
            }
            default -> {
                // CONNECTING: drained once the handshake completes; BACKOFF/CLOSED: the queue is dropped
            }
        }
    }

    private void connect() {
        state = State.CONNECTING;
        transport.stats().connectsAttempted.incrementAndGet();
        NettyTransportOptions o = transport.options();
        Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) o.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        Math.min(o.maxFrameBytes(), 1 << 20), Math.min(o.maxFrameBytes(), 1 << 20) * 2))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        PeerTls tls = transport.tls();
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.client().context().newHandler(ch.alloc(),
                                    address.getHostString(), address.getPort()));
                        }
                        ch.pipeline().addLast(new FrameDecoder(o.maxFrameBytes()), FrameEncoder.INSTANCE,
                                new IdleStateHandler(o.pingInterval().toMillis(), 0, 0, TimeUnit.MILLISECONDS),
                                new Handler());
                    }
                });
        ChannelFuture f = b.connect(address);
        channel = f.channel();
        f.addListener(done -> {
            if (!done.isSuccess()) {
                failed("cannot connect: " + done.cause().getMessage());
            }
        });
    }

    private void opened() {
        state = State.OPEN;
        backoff.reset();
        NettyTransport.LOG.debug("{} lane to {} at {} open", lane, peer, where);
        drain();
    }

    private void failed(String reason) {
        if (state == State.CLOSED || state == State.BACKOFF) {
            return;
        }
        boolean wasOpen = state == State.OPEN;
        state = State.BACKOFF;
        if (channel != null) {
            channel.close();
            channel = null;
        }
        dropQueued();
        long delay = backoff.nextDelayNanos();
        if (wasOpen || backoff.failures() == 1) {
            NettyTransport.LOG.info("{} lane to {} at {} lost ({}); reconnecting", lane, peer, where, reason);
        } else {
            NettyTransport.LOG.debug("{} lane to {} at {}: {}; retry in {} ms", lane, peer, where, reason, delay / 1_000_000);
        }
        loop.schedule(() -> {
            if (state == State.BACKOFF) {
                connect();
            }
        }, delay, TimeUnit.NANOSECONDS);
    }

    private void dropQueued() {
        RaftMessage m;
        while ((m = queue.poll()) != null) {
            queuedBytes.addAndGet(-estimateBytes(m));
            transport.stats().messagesDropped.incrementAndGet();
        }
    }

    static long estimateBytes(RaftMessage m) {
        long n = 64;
        if (m instanceof AppendRequest a) {
            for (Entry e : a.entries()) {
                n += e.sizeBytes();
            }
        } else if (m instanceof SnapshotChunk c) {
            n += c.data().length + c.configuration().length;
        }
        return n;
    }

    /** The dialing end's handler: handshake, pongs, liveness. A link reads nothing else. */
    private final class Handler extends ChannelInboundHandlerAdapter {

        /** With TLS: set once the accepting end's certificate proved it is {@code peer}. */
        private boolean verified;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            NettyTransportOptions o = transport.options();
            lastReadNanos = System.nanoTime();
            io.netty.handler.ssl.SslHandler ssl = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
            if (ssl != null) {
                ssl.handshakeFuture().addListener(done -> {
                    if (!done.isSuccess() || ctx.channel() != channel) {
                        return; // reported by exceptionCaught
                    }
                    String problem = ServerConnection.certificateProblem(ctx, peer);
                    if (problem != null) {
                        transport.warnings().warn("{} at {}: {}", peer, where, problem);
                        failed("wrong certificate");
                    } else {
                        verified = true;
                    }
                });
            } else {
                verified = true;
            }
            ctx.writeAndFlush(Frame.newBuilder().setHello(Hello.newBuilder().setVersion(NettyTransport.PROTOCOL_VERSION)
                    .setClusterId(o.clusterId()).setFrom(o.nodeId()).setTo(peer).setLane(lane.wire)
                    .setAddress(transport.advertisedAddress())).build());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ctx.channel() != channel) {
                return;
            }
            lastReadNanos = System.nanoTime();
            Frame f = (Frame) msg;
            switch (f.getBodyCase()) {
                case WELCOME -> {
                    Welcome w = f.getWelcome();
                    NettyTransportOptions o = transport.options();
                    if (state != State.CONNECTING || !verified) {
                        failed("unexpected welcome");
                    } else if (w.getVersion() != NettyTransport.PROTOCOL_VERSION || !w.getClusterId().equals(o.clusterId())
                            || !w.getNodeId().equals(peer)) {
                        transport.warnings().warn("{} at {} answered as node '{}' of cluster '{}' (version {}); expected '{}' of '{}'",
                                peer, where, w.getNodeId(), w.getClusterId(), w.getVersion(), peer, o.clusterId());
                        failed("wrong peer");
                    } else {
                        opened();
                    }
                }
                case REJECT -> {
                    transport.warnings().warn("{} at {} refused our connection: {}", peer, where, f.getReject().getReason());
                    failed("refused");
                }
                case PONG -> {
                    // liveness only
                }
                default -> failed("unexpected " + f.getBodyCase() + " from the accepting side");
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel && ctx.channel().isWritable()) {
                drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && ctx.channel() == channel) {
                long silent = System.nanoTime() - lastReadNanos;
                if (silent >= transport.options().idleTimeout().toNanos()) {
                    failed("nothing heard for " + silent / 1_000_000 + " ms");
                } else if (state == State.OPEN) {
                    ctx.writeAndFlush(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(++pingNonce)).build());
                } else if (silent >= transport.options().handshakeTimeout().toNanos()) {
                    failed("no welcome within " + silent / 1_000_000 + " ms");
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                failed("connection closed");
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (ctx.channel() == channel) {
                if (c instanceof WireFormatException) {
                    transport.warnings().warn("bad frame from {} at {}: {}", peer, where, c.getMessage());
                } else if (c instanceof io.netty.handler.ssl.NotSslRecordException) {
                    transport.warnings().warn("{} at {} answered in plaintext: it runs its Raft port without TLS, this "
                            + "node with mutual TLS (a cluster is all-TLS or all-plaintext)", peer, where);
                } else if (c instanceof javax.net.ssl.SSLException) {
                    transport.warnings().warn("TLS with {} at {} failed: {}", peer, where, c.getMessage());
                }
                failed(c.toString());
            } else {
                ctx.close();
            }
        }
    }
}
