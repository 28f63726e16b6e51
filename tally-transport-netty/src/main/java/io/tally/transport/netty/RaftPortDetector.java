package io.tally.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.tally.wire.v1.Frame;
import io.tally.wire.v1.Reject;

import java.util.List;

/**
 * The first handler of an accepted Raft connection: looks at its first bytes to tell TLS from plaintext, so that a
 * mismatch (a cluster is all-TLS or all-plaintext) is a clear error on both sides instead of garbage. A TLS node
 * answers a plaintext peer with a plaintext {@code Reject} saying so (the peer logs it), and a plaintext node logs a TLS
 * peer's ClientHello (the peer's TLS handshake then fails on the plaintext it gets back, which it reports as such).
 * When the bytes match the node's mode, this handler steps aside (installing the {@link SslHandler} first with TLS).
 */
final class RaftPortDetector extends ByteToMessageDecoder {

    private final NettyTransport transport;

    RaftPortDetector(NettyTransport transport) {
        this.transport = transport;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5) {
            return;
        }
        boolean tlsBytes = SslHandler.isEncrypted(in);
        PeerTls tls = transport.tls();
        if (tls != null && tlsBytes) {
            ctx.pipeline().replace(this, "tls", tls.server().context().newHandler(ctx.alloc()));
        } else if (tls == null && !tlsBytes) {
            ctx.pipeline().remove(this);
        } else if (tls != null) {
            String reason = "this node requires mutual TLS on its Raft port (--peer-tls-cert/--peer-tls-key/--peer-tls-ca)"
                    + " and the peer speaks plaintext: a cluster is all-TLS or all-plaintext";
            refuse(ctx, in, reason);
            ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), Frame.newBuilder().setReject(Reject.newBuilder()
                    .setReason(reason)).build())).addListener(ChannelFutureListener.CLOSE);
        } else {
            refuse(ctx, in, "the peer speaks TLS, but this node runs its Raft port without TLS (no --peer-tls-*): "
                    + "a cluster is all-TLS or all-plaintext");
            ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), Frame.newBuilder().setReject(Reject.newBuilder()
                    .setReason("plaintext only")).build())).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        in.skipBytes(in.readableBytes());
        ctx.channel().config().setAutoRead(false);
        transport.stats().connectionsRejected.incrementAndGet();
        transport.warnings().warn("closing connection from {}: {}", ctx.channel().remoteAddress(), reason);
    }
}
