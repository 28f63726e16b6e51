package io.tally.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Gathers a request's head and body into one {@link IncomingRequest}, holding at most {@code maxBody} bytes of body.
 * A larger body is read and dropped, and the request answered 413 {@code value-too-large} in its turn, so that the
 * connection stays usable. Unlike Netty's {@code HttpObjectAggregator} it never answers by itself (answers keep the
 * order of the requests, {@link HttpConnection}) and never closes a connection for a large body. A request with
 * {@code Expect: 100-continue} gets its interim answer through {@link HttpConnection} ({@link #CONTINUE}); one that
 * announces a body over the limit is refused without it, and its connection closed after the answer, since its body
 * may or may not follow.
 */
final class RequestAggregator extends ChannelInboundHandlerAdapter {

    /** Passed on when a request waits for {@code 100 Continue} before sending its body. */
    static final Object CONTINUE = new Object();

    private final int maxBody;
    private HttpRequest head;
    private ByteBuf body;
    /** The body went over the limit: the rest of it is dropped, and the request refused. */
    private boolean tooLarge;

    RequestAggregator(int maxBody) {
        this.maxBody = maxBody;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                start(ctx, req);
            }
            if (msg instanceof HttpContent content) {
                append(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void start(ChannelHandlerContext ctx, HttpRequest req) {
        discard();
        if (req.decoderResult().isFailure()) {
            // The decoder drops everything after a malformed request: answer it, then close.
            ctx.fireChannelRead(new IncomingRequest(req, new byte[0], HttpError.badRequest("malformed HTTP request: "
                    + req.decoderResult().cause().getMessage()), true));
            return;
        }
        long declared = HttpUtil.getContentLength(req, -1L);
        if (declared > maxBody && HttpUtil.is100ContinueExpected(req)) {
            ctx.fireChannelRead(new IncomingRequest(req, new byte[0], tooLarge(), true));
            return;
        }
        head = req;
        tooLarge = declared > maxBody;
        if (!tooLarge) {
            body = ctx.alloc().heapBuffer((int) Math.max(0, Math.min(declared, 64 * 1024)));
        }
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.fireChannelRead(CONTINUE);
        }
    }

    private void append(ChannelHandlerContext ctx, HttpContent content) {
        if (content.decoderResult().isFailure() && head != null) {
            HttpRequest req = head;
            discard();
            ctx.fireChannelRead(new IncomingRequest(req, new byte[0], HttpError.badRequest("malformed HTTP request: "
                    + content.decoderResult().cause().getMessage()), true));
            return;
        }
        if (head == null) {
            return; // the rest of a request already refused
        }
        if (!tooLarge) {
            if (body.readableBytes() + content.content().readableBytes() > maxBody) {
                tooLarge = true;
                body.release();
                body = null;
            } else {
                body.writeBytes(content.content());
            }
        }
        if (content instanceof LastHttpContent) {
            HttpRequest req = head;
            byte[] bytes = tooLarge ? new byte[0] : ByteBufUtil.getBytes(body);
            HttpError refusal = tooLarge ? tooLarge() : null;
            discard();
            ctx.fireChannelRead(new IncomingRequest(req, bytes, refusal, false));
        }
    }

    private HttpError tooLarge() {
        return new HttpError(413, "value-too-large", "the request body exceeds the largest this node takes, "
                + maxBody + " bytes");
    }

    private void discard() {
        if (body != null) {
            body.release();
            body = null;
        }
        head = null;
        tooLarge = false;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        discard();
        ctx.fireChannelInactive();
    }
}
