package io.tally.transport.netty;

import io.tally.wire.WireMessages;
import io.tally.wire.WireFormatException;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.tally.raft.message.RaftMessage;
import io.tally.wire.v1.Frame;
import io.tally.raft.message.AppendRequest;
import io.netty.buffer.ByteBuf;
import io.tally.wire.v1.Hello;
import io.tally.wire.v1.Pong;
import io.tally.wire.v1.Reject;
import io.tally.wire.v1.Welcome;

import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The accepting end of one connection. The first frame must be an acceptable {@link Hello} (this protocol
 * version, this cluster, addressed to this node, from some other node) within the handshake timeout; after
 * the {@link Welcome}, every frame must be a valid Raft message or a Ping. Anything else — a frame that
 * does not parse, is oversized or fails its checksum, a wrong cluster or version, a stall — is logged with
 * the remote address and ends this connection only; nothing from a bad frame reaches the node.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {

    private final NettyTransport transport;
    private final FrameDecoder decoder;
    private String peer; // set by the handshake
    private ScheduledFuture<?> handshakeTimer;
    private boolean rejected; // once set, nothing more from this connection is looked at

    ServerConnection(NettyTransport transport, FrameDecoder decoder) {
        this.transport = transport;
        this.decoder = decoder;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long ms = transport.options().handshakeTimeout().toMillis();
        handshakeTimer = ctx.executor().schedule(() -> {
            if (peer == null) {
                reject(ctx, "no handshake within " + ms + " ms");
            }
        }, ms, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FrameDecoder.AppendPayload p) {
            try {
                readAppend(ctx, p.payload());
            } finally {
                p.payload().release();
            }
            return;
        }
        read(ctx, (Frame) msg);
    }

    /**
     * An AppendRequest frame, unparsed: read straight into the core's entries when it is in canonical form, breaks no
     * rule and the handshake is done; otherwise parsed and handled as any other frame, by the same rules.
     */
    private void readAppend(ChannelHandlerContext ctx, ByteBuf payload) {
        if (rejected) {
            return;
        }
        if (peer != null) {
            AppendRequest a = WireMessages.readAppendFrame(payload.nioBuffer(), peer, transport.options().nodeId());
            if (a != null) {
                transport.deliver(a);
                return;
            }
        }
        Frame f;
        try {
            f = FrameCodec.parse(payload);
        } catch (WireFormatException e) {
            reject(ctx, e.getMessage()); // as when the decoder fails to parse a frame (exceptionCaught)
            return;
        }
        read(ctx, f);
    }

    private void read(ChannelHandlerContext ctx, Frame f) {
        if (rejected) {
            return;
        }
        if (peer == null) {
            handshake(ctx, f);
            return;
        }
        if (f.getBodyCase() == Frame.BodyCase.PING) {
            ctx.writeAndFlush(Frame.newBuilder().setPong(Pong.newBuilder().setNonce(f.getPing().getNonce())).build());
            return;
        }
        RaftMessage m;
        try {
            m = WireMessages.fromFrame(f, peer, transport.options().nodeId());
        } catch (WireFormatException e) {
            reject(ctx, e.getMessage());
            return;
        }
        transport.deliver(m);
    }

    private void handshake(ChannelHandlerContext ctx, Frame f) {
        if (f.getBodyCase() != Frame.BodyCase.HELLO) {
            reject(ctx, "expected a hello, got " + f.getBodyCase());
            return;
        }
        Hello h = f.getHello();
        NettyTransportOptions o = transport.options();
        String problem = null;
        if (h.getVersion() != NettyTransport.PROTOCOL_VERSION) {
            problem = "unsupported protocol version " + Integer.toUnsignedString(h.getVersion())
                    + " (this node speaks " + NettyTransport.PROTOCOL_VERSION + ")";
        } else if (!h.getClusterId().equals(o.clusterId())) {
            problem = "peer belongs to cluster '" + h.getClusterId() + "', this node to '" + o.clusterId() + "'";
        } else if (!h.getTo().equals(o.nodeId())) {
            problem = "peer expected node '" + h.getTo() + "', this is '" + o.nodeId() + "'";
        } else if (h.getFrom().isEmpty() || h.getFrom().length() > 255 || h.getFrom().equals(o.nodeId())) {
            problem = "invalid peer id '" + h.getFrom() + "'";
        } else if (h.getLane() != Lane.CONTROL.wire && h.getLane() != Lane.DATA.wire) {
            problem = "unknown lane " + h.getLaneValue();
        }
        if (problem == null && transport.tls() != null) {
            problem = certificateProblem(ctx, h.getFrom());
        }
        if (problem == null && !transport.admits(h.getFrom())) {
            problem = "node '" + h.getFrom() + "' is not a member of this node's configuration";
        }
        if (problem != null) {
            reject(ctx, problem, true);
            return;
        }
        peer = h.getFrom();
        handshakeTimer.cancel(false);
        transport.learnAddress(peer, h.getAddress());
        transport.stats().connectionsAccepted.incrementAndGet();
        ctx.writeAndFlush(Frame.newBuilder().setWelcome(Welcome.newBuilder().setVersion(NettyTransport.PROTOCOL_VERSION)
                .setClusterId(o.clusterId()).setNodeId(o.nodeId())).build());
    }

    /** Null if the peer's TLS certificate names {@code from} (its CN or a DNS SAN), else why not. */
    static String certificateProblem(ChannelHandlerContext ctx, String from) {
        io.netty.handler.ssl.SslHandler ssl = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
        if (ssl == null) {
            return "no TLS session";
        }
        try {
            java.security.cert.Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            java.util.List<String> names = io.tally.transport.netty.tls.PeerNames.of((java.security.cert.X509Certificate) chain[0]);
            if (!names.contains(from)) {
                return "the peer's certificate names " + names + ", not '" + from + "': a member's certificate proves its id "
                        + "and no other";
            }
            return null;
        } catch (javax.net.ssl.SSLPeerUnverifiedException | RuntimeException e) {
            return "the peer presented no usable certificate: " + e.getMessage();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (peer == null || decoder.midFrame()) {
                reject(ctx, "stalled for " + transport.options().idleTimeout().toMillis() + " ms"
                        + (peer == null ? " before its handshake" : " in the middle of a frame"));
            } else {
                NettyTransport.LOG.info("closing idle connection from {} ({})", peer, ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof WireFormatException) {
            reject(ctx, c.getMessage());
        } else {
            NettyTransport.LOG.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), c.toString());
            ctx.close();
        }
    }

    private void reject(ChannelHandlerContext ctx, String reason) {
        reject(ctx, reason, false);
    }

    /** Logs the reason with the remote address and closes, after telling the peer why if {@code tell}. */
    private void reject(ChannelHandlerContext ctx, String reason, boolean tell) {
        if (rejected) {
            return;
        }
        rejected = true;
        SocketAddress remote = ctx.channel().remoteAddress();
        transport.stats().connectionsRejected.incrementAndGet();
        transport.warnings().warn("closing connection from {}{}: {}", remote, peer == null ? "" : " (" + peer + ")", reason);
        ctx.channel().config().setAutoRead(false);
        if (tell) {
            ctx.writeAndFlush(Frame.newBuilder().setReject(Reject.newBuilder().setReason(reason)).build())
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
