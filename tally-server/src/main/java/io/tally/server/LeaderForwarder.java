package io.tally.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import io.netty.handler.ssl.SslHandler;
import io.tally.transport.netty.tls.ReloadingTls;

import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends a request that must be served by the leader on to the leader's HTTP API, marked with
 * {@value #FORWARDED_HEADER} so that it travels one hop at most, over pooled keep-alive connections
 * ({@link LeaderConnections}, one small pool per leader address). Asynchronous: the answer is a future.
 */
final class LeaderForwarder implements AutoCloseable {

    static final String FORWARDED_HEADER = "X-Tally-Forwarded";
    /**
     * The client's headers the leader gets: the session headers, and the credentials, which the leader checks again
     * itself (a follower's own check is only an early refusal; the leader trusts no node's word for who a client is).
     * A request's Accept header does not matter to anything forwarded.
     */
    static final List<String> FORWARDED_HEADERS = List.of(KvWrites.CLIENT_ID_HEADER, KvWrites.SEQ_HEADER, "Authorization");
    /**
     * Query parameters the leader does not get: the timeout (it gets the time left instead), and a blocking query's
     * index and wait (the wait happened here; the leader only reads).
     */
    private static final java.util.Set<String> NOT_FORWARDED = java.util.Set.of("timeout", "index", "wait");
    /** Connections at most to one leader address; more concurrent requests wait for one. */
    static final int CONNECTIONS_PER_LEADER = 64;
    /** How long after the request's deadline the leader's answer may still come. */
    private static final long ANSWER_GRACE_MILLIS = 500;
    private static final int CONNECT_TIMEOUT_MILLIS = 500;
    private static final int MAX_ANSWER_BYTES = 1 << 30;

    /** The leader's answer; {@code headers}: its {@code X-Tally-*} headers and {@code Retry-After}, passed on. */
    record Response(int status, byte[] body, String contentType, Map<String, String> headers) {
    }

    /** The request never left this node (no connection, or not written): nothing was proposed. */
    static final class NotSent extends IOException {
        private static final long serialVersionUID = 1L;

        NotSent(Throwable cause) {
            super(cause);
        }
    }

    private final EventLoopGroup group;
    private final ReloadingTls tls;
    private final Map<String, LeaderConnections> pools = new ConcurrentHashMap<>();

    /**
     * Connections run on {@code group}'s event loops, one loop per leader address; with {@code tls} (null: plaintext)
     * they speak HTTPS, verify the leader's certificate against the trusted CAs and its address (as HTTPS clients do),
     * and present this node's own certificate when the leader asks for one.
     */
    LeaderForwarder(EventLoopGroup group, ReloadingTls tls) {
        this.group = group;
        this.tls = tls;
    }

    /**
     * Sends {@code ex} to the leader at {@code leaderHttp} (HOST:PORT) with the time it has left as its timeout.
     * Fails with {@link NotSent} when nothing was sent, with another {@link IOException} when the answer was lost.
     */
    CompletableFuture<Response> forward(String leaderHttp, Exchange ex) {
        return forward(leaderHttp, ex, null);
    }

    /** As {@link #forward(String, Exchange)}, but sending {@code GET target} (a path and query) when it is not null. */
    CompletableFuture<Response> forward(String leaderHttp, Exchange ex, String target) {
        LeaderConnections pool = pools.computeIfAbsent(leaderHttp, this::newPool);
        CompletableFuture<Response> answer = new CompletableFuture<>();
        long waitMillis = Math.max(1, ex.remaining().toMillis());
        CompletableFuture<Channel> connection = pool.acquire().orTimeout(waitMillis, TimeUnit.MILLISECONDS);
        connection.whenComplete((ch, failure) -> {
            if (failure != null) {
                Throwable cause = Exchange.unwrap(failure);
                answer.completeExceptionally(cause instanceof NotSent ? cause : new NotSent(cause)); // e.g. no free connection in time
                return;
            }
            FullHttpRequest req = target == null ? request(leaderHttp, ex) : get(leaderHttp, target, ex);
            send(pool, ch, req, ex.remaining().toMillis() + ANSWER_GRACE_MILLIS, "the leader", answer);
        });
        return answer;
    }

    /**
     * Sends {@code GET target} (a path and query) to the node at {@code http} (HOST:PORT), marked forwarded, over the
     * same pooled connections: for a request that reads another member's own state (the status page gathering the
     * cluster). Fails if no answer came within {@code timeoutMillis}. {@code authorization}, when not null, is sent as
     * the request's {@code Authorization} header (the credentials of the request being served).
     */
    CompletableFuture<Response> fetch(String http, String target, long timeoutMillis, String authorization) {
        LeaderConnections pool = pools.computeIfAbsent(http, this::newPool);
        CompletableFuture<Response> answer = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        pool.acquire().orTimeout(timeoutMillis, TimeUnit.MILLISECONDS).whenComplete((ch, failure) -> {
            if (failure != null) {
                Throwable cause = Exchange.unwrap(failure);
                answer.completeExceptionally(cause instanceof NotSent ? cause : new NotSent(cause));
                return;
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target, Unpooled.EMPTY_BUFFER);
            req.headers().set(HttpHeaderNames.HOST, http);
            req.headers().set(FORWARDED_HEADER, "1");
            req.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            if (authorization != null) {
                req.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
            }
            send(pool, ch, req, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), http, answer);
        });
        return answer;
    }

    /** On the pool's event loop: one request on {@code ch}, which goes back to the pool once answered. */
    private static void send(LeaderConnections pool, Channel ch, FullHttpRequest request, long answerMillis, String peer,
                             CompletableFuture<Response> answer) {
        AnswerHandler handler = ch.pipeline().get(AnswerHandler.class);
        handler.await(answer);
        ScheduledFuture<?> timer = pool.loop().schedule(() -> {
            if (answer.completeExceptionally(new IOException("no answer from " + peer + " within " + answerMillis + " ms"))) {
                ch.close();
            }
        }, answerMillis, TimeUnit.MILLISECONDS);
        answer.whenComplete((r, e) -> {
            timer.cancel(false);
            pool.release(ch, e == null && r != null && handler.reusable());
        });
        ch.writeAndFlush(request).addListener(w -> {
            if (w.isSuccess()) {
                handler.sent();
            } else if (answer.completeExceptionally(new NotSent(w.cause()))) {
                ch.close(); // not all of it was written: the leader cannot have a whole request
            }
        });
    }

    private static FullHttpRequest request(String leaderHttp, Exchange ex) {
        StringBuilder uri = new StringBuilder(ex.path());
        char sep = '?';
        for (Map.Entry<String, String> q : ex.query.entrySet()) {
            if (NOT_FORWARDED.contains(q.getKey())) {
                continue;
            }
            uri.append(sep).append(encode(q.getKey()));
            if (!q.getValue().isEmpty()) {
                uri.append('=').append(encode(q.getValue()));
            }
            sep = '&';
        }
        uri.append(sep).append("timeout=").append(Math.max(1, ex.remaining().toMillis())).append("ms");
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(ex.method()),
                uri.toString(), Unpooled.wrappedBuffer(ex.body()));
        req.headers().set(HttpHeaderNames.HOST, leaderHttp);
        req.headers().set(FORWARDED_HEADER, "1");
        req.headers().set(HttpHeaderNames.CONTENT_LENGTH, ex.body().length);
        for (String name : FORWARDED_HEADERS) {
            String v = ex.header(name);
            if (v != null) {
                req.headers().set(name, v);
            }
        }
        return req;
    }

    /** {@code GET target} with the time {@code ex} has left. */
    private static FullHttpRequest get(String leaderHttp, String target, Exchange ex) {
        String uri = target + (target.contains("?") ? "&" : "?") + "timeout=" + Math.max(1, ex.remaining().toMillis()) + "ms";
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, Unpooled.EMPTY_BUFFER);
        req.headers().set(HttpHeaderNames.HOST, leaderHttp);
        req.headers().set(FORWARDED_HEADER, "1");
        req.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        String credentials = ex.header(HttpHeaderNames.AUTHORIZATION.toString());
        if (credentials != null) {
            req.headers().set(HttpHeaderNames.AUTHORIZATION, credentials);
        }
        return req;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private LeaderConnections newPool(String leaderHttp) {
        var loop = group.next();
        Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .remoteAddress(TallyNode.socket(leaderHttp))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            InetSocketAddress to = TallyNode.socket(leaderHttp);
                            SslHandler ssl = tls.context().newHandler(ch.alloc(), to.getHostString(), to.getPort());
                            SSLParameters p = ssl.engine().getSSLParameters();
                            p.setEndpointIdentificationAlgorithm("HTTPS");
                            ssl.engine().setSSLParameters(p);
                            ch.pipeline().addLast(ssl);
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_ANSWER_BYTES),
                                new AnswerHandler());
                    }
                });
        return new LeaderConnections(loop, b, CONNECTIONS_PER_LEADER);
    }

    @Override
    public void close() {
        pools.values().forEach(LeaderConnections::close);
    }

    /** Completes the request in flight on its connection with the leader's answer, or with the loss of the connection. */
    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private CompletableFuture<Response> current;
        private boolean sent;
        private boolean keepAlive;

        void await(CompletableFuture<Response> answer) {
            current = answer;
            sent = false;
            keepAlive = false;
        }

        void sent() {
            sent = true;
        }

        boolean reusable() {
            return keepAlive;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse resp) {
            CompletableFuture<Response> answer = current;
            current = null;
            if (answer == null) {
                ctx.close(); // an answer nobody asked for: this connection cannot be trusted any more
                return;
            }
            keepAlive = HttpUtil.isKeepAlive(resp) && resp.decoderResult().isSuccess();
            if (!resp.decoderResult().isSuccess()) {
                answer.completeExceptionally(new IOException("malformed answer from the leader: " + resp.decoderResult().cause()));
                return;
            }
            String type = resp.headers().get(HttpHeaderNames.CONTENT_TYPE);
            Map<String, String> passed = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, String> h : resp.headers()) {
                String name = h.getKey();
                if (name.regionMatches(true, 0, "X-Tally-", 0, 8) || name.equalsIgnoreCase("Retry-After")) {
                    passed.put(name, h.getValue());
                }
            }
            answer.complete(new Response(resp.status().code(), ByteBufUtil.getBytes(resp.content()),
                    type == null ? Reply.JSON_TYPE : type, passed));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            CompletableFuture<Response> answer = current;
            current = null;
            if (answer != null) {
                IOException lost = new IOException("the connection to the leader closed before its answer");
                answer.completeExceptionally(sent ? lost : new NotSent(lost));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
