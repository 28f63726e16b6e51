package io.tally.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.tally.transport.netty.tls.ReloadingTls;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of a connection to a TLS HTTP port: a connection that starts with a TLS record gets the
 * {@link SslHandler} (of the certificate in force now: {@link ReloadingTls}); one that starts in plaintext is answered
 * {@code 400 tls-required}, saying so, and closed, and nothing it sent is read.
 */
final class HttpPortDetector extends ByteToMessageDecoder {

    private static final byte[] REFUSAL = ("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
            + "Connection: close\r\nContent-Length: %d\r\n\r\n%s").formatted(body().length, new String(body(),
            StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);

    private final ReloadingTls tls;

    HttpPortDetector(ReloadingTls tls) {
        this.tls = tls;
    }

    private static byte[] body() {
        return "{\"error\":\"this port speaks HTTPS (TLS 1.2 or 1.3) only; plaintext HTTP is refused\",\"code\":\"tls-required\"}"
                .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5) {
            return;
        }
        if (SslHandler.isEncrypted(in)) {
            ctx.pipeline().replace(this, "tls", tls.context().newHandler(ctx.alloc()));
            return;
        }
        in.skipBytes(in.readableBytes());
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a failed handshake (an unknown client CA, an expired certificate): nothing was read
    }
}
