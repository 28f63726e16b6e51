package io.tally.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive HTTP/1.1 connection to an endpoint, with requests pipelined on it: they are written as they come
 * and the answers, which HTTP/1.1 returns in request order, are matched to them first in, first out. Every method
 * runs on the event loop of its {@link EndpointPool}.
 *
 * <p>When it closes, every request written to it and not answered fails as <em>sent</em> (the server may have acted
 * on it); requests still waiting for the connection to open fail as not sent. A try that runs out of time while its
 * request is on the wire closes the connection: the answers behind it could only come after the one that is late.
 */
final class HttpConnection extends SimpleChannelInboundHandler<FullHttpResponse> {

    /** The largest answer taken (a scan of large values is the largest); a larger one closes the connection. */
    static final int MAX_ANSWER_BYTES = 1 << 30;

    private final EndpointPool pool;
    final boolean exclusive;
    private final ArrayDeque<PendingRequest> unsent = new ArrayDeque<>();
    private final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    private Channel channel;
    private boolean active;
    /** False once the server said it closes, after an error, and for an exclusive connection. */
    private boolean reusable;
    private boolean closed;
    /** Why the connection closed, when the client knows (null: closed by the server). */
    private Throwable cause;

    HttpConnection(EndpointPool pool, boolean exclusive) {
        this.pool = pool;
        this.exclusive = exclusive;
        this.reusable = !exclusive;
    }

    void open(Bootstrap bootstrap) {
        io.netty.handler.ssl.SslHandler[] tls = new io.netty.handler.ssl.SslHandler[1];
        ChannelFuture connect = bootstrap.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                tls[0] = pool.transport.tlsHandler(ch, pool.host, pool.port);
                if (tls[0] != null) {
                    ch.pipeline().addLast(tls[0]);
                }
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_ANSWER_BYTES), HttpConnection.this);
            }
        }).connect(pool.host, pool.port);
        channel = connect.channel();
        connect.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && tls[0] != null) {
                // Requests wait for the handshake: one that fails leaves them unsent, and says why.
                tls[0].handshakeFuture().addListener(h -> {
                    if (h.isSuccess()) {
                        activate();
                    } else {
                        finish(new SendFailure(ClientTls.handshakeFailed(pool.endpoint, h.cause())));
                        channel.close();
                    }
                });
            } else if (f.isSuccess()) {
                activate();
            } else {
                finish(new SendFailure("cannot connect to " + pool.endpoint + ": " + message(f.cause()), false, f.cause()));
            }
        });
    }

    private void activate() {
        if (closed) {
            return;
        }
        active = true;
        while (!unsent.isEmpty()) {
            write(unsent.poll());
        }
    }

    /** Requests given to it and not answered yet, written or not. */
    int load() {
        return unsent.size() + inFlight.size();
    }

    /** Whether the pool may give it more requests. */
    boolean acceptsMore() {
        return reusable && !closed;
    }

    void enqueue(PendingRequest r) {
        r.connection = this;
        if (active) {
            write(r);
        } else {
            unsent.add(r);
        }
    }

    private void write(PendingRequest r) {
        inFlight.add(r);
        r.written = true;
        channel.writeAndFlush(r.toNetty(pool.transport, pool.endpoint)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                cause = f.cause();
                f.channel().close();
            }
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        PendingRequest r = inFlight.poll();
        if (r == null) {
            cause = new IllegalStateException("an answer came that no request asked for");
            ctx.close();
            return;
        }
        if (!HttpUtil.isKeepAlive(response)) {
            reusable = false; // the server closes after this answer; requests behind it go unanswered
        }
        r.succeed(new HttpReply(response.status().code(), response.headers(), ByteBufUtil.getBytes(response.content())));
        if (!reusable) {
            ctx.close();
        } else {
            pool.slotFreed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
        cause = t;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(null);
    }

    /** The per-try timer of {@code r} fired (on the event loop). */
    void expire(PendingRequest r, long millis) {
        if (!r.written) {
            unsent.remove(r);
            r.fail(new SendFailure("could not connect to " + pool.endpoint + " within " + millis + " ms", false, null));
            return;
        }
        r.fail(new SendFailure("no answer from " + pool.endpoint + " within " + millis + " ms", true, null));
        cause = new IllegalStateException("a request on it got no answer in time");
        channel.close();
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    /** Fails what it still holds; {@code connectFailure}: it never opened. */
    private void finish(SendFailure connectFailure) {
        if (closed) {
            return;
        }
        closed = true;
        active = false;
        String why = cause == null ? "" : ": " + message(cause);
        for (PendingRequest r : inFlight) {
            if (!r.done()) {
                r.fail(new SendFailure("the connection to " + pool.endpoint + " closed before the answer" + why, true, cause));
            }
        }
        for (PendingRequest r : unsent) {
            if (!r.done()) {
                r.fail(connectFailure != null ? connectFailure
                        : new SendFailure("the connection to " + pool.endpoint + " closed before the request was sent" + why,
                        false, cause));
            }
        }
        inFlight.clear();
        unsent.clear();
        pool.connectionClosed(this, connectFailure);
    }

    private static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
