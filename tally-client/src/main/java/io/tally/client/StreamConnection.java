package io.tally.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One GET whose answer is read as it arrives, on a connection of its own (the pooled connections aggregate whole
 * answers): a watch, whose answer never ends while it runs, or a backup, which may be larger than memory. Tells its
 * {@link Owner} what happens, always on the connection's event loop, and {@link Owner#onEnded} exactly once, last.
 *
 * <p>A stream that brings nothing for its idle time while it reads is taken as dead (a node that stopped answering
 * without closing the connection; a watch hears a progress note at least every 10 s); while its owner has paused
 * reading (back-pressure), silence is expected and not counted.
 */
final class StreamConnection extends ChannelInboundHandlerAdapter {

    private static final int MAX_REFUSAL_BYTES = 64 << 10;

    /** What a stream connection reports. */
    interface Owner {
        /** The server answered 200; the body follows. */
        void onOpened(StreamConnection c, HttpHeaders headers);

        /** The server refused with this whole answer. */
        void onRefused(StreamConnection c, HttpReply reply);

        /** The next bytes of the body. A thrown exception closes the connection. */
        void onData(StreamConnection c, ByteBuf bytes) throws IOException;

        /** The body ended: the server finished it. {@link #onEnded} follows. */
        default void onFinished(StreamConnection c) {
        }

        /** The connection is gone: closed by the server or the network ({@code cause} may say why), or by us. */
        void onEnded(StreamConnection c, Throwable cause);
    }

    final String endpoint;
    private final Owner owner;
    private final int idleSeconds;
    private final String accept;
    /** Set once {@link #open} has started connecting; {@link #close} may come from another thread before that. */
    private volatile Channel channel;
    private volatile boolean closeAsked;
    private int status;
    private HttpHeaders headers;
    private ByteArrayOutputStream refusal;
    private boolean paused;
    private boolean ended;
    private Throwable cause;

    /**
     * @param idleSeconds how long the body may bring nothing, while it is read, before the connection is taken as dead
     * @param accept      the request's {@code Accept}
     */
    StreamConnection(String endpoint, Owner owner, int idleSeconds, String accept) {
        this.endpoint = endpoint;
        this.owner = owner;
        this.idleSeconds = idleSeconds;
        this.accept = accept;
    }

    /** Connects to the endpoint and sends the GET {@code uri}; reports to the owner from then on. */
    void open(HttpTransport transport, String uri) {
        StreamConnection c = this;
        int colon = endpoint.lastIndexOf(':');
        String host = endpoint.substring(0, colon);
        int port = Integer.parseInt(endpoint.substring(colon + 1));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        transport.decorate(request, endpoint);
        request.headers().set(HttpHeaderNames.ACCEPT, accept);
        ChannelFuture connect = transport.bootstrap().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                io.netty.handler.ssl.SslHandler tls = transport.tlsHandler(ch, host, port);
                if (tls != null) {
                    ch.pipeline().addLast(tls);
                }
                ch.pipeline().addLast(new HttpClientCodec(), new IdleStateHandler(idleSeconds, 0, 0, TimeUnit.SECONDS), c);
            }
        }).connect(host, port);
        c.channel = connect.channel();
        if (closeAsked) {
            c.channel.close(); // closed while connecting: the connect fails and the owner hears of its end
        }
        connect.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                f.channel().writeAndFlush(request).addListener((ChannelFutureListener) w -> {
                    if (!w.isSuccess()) {
                        c.fail(w.cause());
                    }
                });
            } else {
                ReferenceCountUtil.release(request);
                c.end(f.cause());
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (ended) {
                return;
            }
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
                headers = r.headers();
                if (status == 200) {
                    owner.onOpened(this, headers);
                } else {
                    refusal = new ByteArrayOutputStream();
                }
            }
            if (msg instanceof HttpContent content) {
                if (status == 200) {
                    owner.onData(this, content.content());
                } else if (refusal != null && refusal.size() < MAX_REFUSAL_BYTES) {
                    refusal.writeBytes(ByteBufUtil.getBytes(content.content()));
                }
                if (msg instanceof LastHttpContent) {
                    if (status == 200) {
                        owner.onFinished(this);
                    } else if (refusal != null) {
                        owner.onRefused(this, new HttpReply(status, headers, refusal.toByteArray()));
                        refusal = null;
                    }
                    close();
                }
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && !paused) {
            fail(new IOException("no data from " + endpoint + " for " + idleSeconds + " s"));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
        fail(t);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(null);
    }

    /** Stops reading (from any thread): the server then holds back, and later catches up from its history. */
    void pause() {
        channel.eventLoop().execute(() -> {
            paused = true;
            channel.config().setAutoRead(false);
        });
    }

    /** Reads again after {@link #pause()} (from any thread). */
    void resume() {
        channel.eventLoop().execute(() -> {
            if (paused) {
                paused = false;
                channel.config().setAutoRead(true);
                channel.read();
            }
        });
    }

    /** Closes the connection (from any thread); {@link Owner#onEnded} follows on the event loop. */
    void close() {
        closeAsked = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void fail(Throwable t) {
        if (cause == null) {
            cause = t;
        }
        channel.close();
    }

    private void end(Throwable failure) {
        if (ended) {
            return;
        }
        ended = true;
        owner.onEnded(this, failure != null ? failure : cause);
    }
}
