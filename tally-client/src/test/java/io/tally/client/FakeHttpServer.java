package io.tally.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted HTTP/1.1 server on Netty for the client's tests. It takes pipelined requests, hands each to the script,
 * which answers at once or later (a future), and writes the answers of a connection in request order, as HTTP/1.1
 * requires, whatever order the script completes them in. An answer of {@link Answer#CLOSE} closes the connection
 * without answering. It records every request with the number of the connection it came on, counts the connections
 * it accepted, and the most requests it held unanswered on one connection.
 */
final class FakeHttpServer implements AutoCloseable {

    record Request(int connection, String method, String path, Map<String, List<String>> query, HttpHeaders headers,
                   byte[] body) {
        String header(String name) {
            return headers.get(name);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    record Answer(int status, String body, Map<String, String> headers) {
        static final Answer CLOSE = new Answer(-1, "", Map.of());

        static Answer json(int status, String body) {
            return new Answer(status, body, Map.of());
        }

        static Answer error(int status, String code) {
            return json(status, "{\"error\":\"scripted " + code + "\",\"code\":\"" + code + "\"}");
        }

        Answer withHeader(String name, String value) {
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Answer(status, body, Map.copyOf(h));
        }
    }

    interface Script {
        CompletableFuture<Answer> answer(Request request);
    }

    static CompletableFuture<Answer> now(Answer a) {
        return CompletableFuture.completedFuture(a);
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger maxUnanswered = new AtomicInteger();
    private final AtomicInteger sessions;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel server;
    private final Script script;

    /** Opens sessions itself ({@code POST /v1/sessions}, ids from {@code sessions}); the script answers the rest. */
    FakeHttpServer(AtomicInteger sessions, Script script) throws InterruptedException {
        this.sessions = sessions;
        this.script = script;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        int id = connections.incrementAndGet();
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Connection(id));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    FakeHttpServer(Script script) throws InterruptedException {
        this(new AtomicInteger(), script);
    }

    String endpoint() {
        return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Notified whenever any of these servers receives a request. */
    private static final Object ARRIVALS = new Object();

    /**
     * Waits until {@code done} holds, re-checked whenever any of these servers receives a request (no polling);
     * fails after {@code seconds}.
     */
    static void awaitRequests(String what, long seconds, java.util.function.BooleanSupplier done)
            throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        synchronized (ARRIVALS) {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + what + " within " + seconds + " s");
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(ARRIVALS, left);
            }
        }
    }

    /** The requests other than session openings, as {@code METHOD path}. */
    List<Request> calls() {
        return requests.stream().filter(r -> !r.path().equals("/v1/sessions")).toList();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Connection extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final int id;
        private final ArrayDeque<CompletableFuture<Answer>> unanswered = new ArrayDeque<>();

        Connection(int id) {
            this.id = id;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            Request r = new Request(id, req.method().name(), uri.path(), uri.parameters(), req.headers().copy(),
                    ByteBufUtil.getBytes(req.content()));
            requests.add(r);
            synchronized (ARRIVALS) {
                ARRIVALS.notifyAll(); // for awaitRequests
            }
            CompletableFuture<Answer> answer = r.path().equals("/v1/sessions") && r.method().equals("POST")
                    ? now(Answer.json(200, "{\"session\":\"" + sessions.incrementAndGet() + "\"}"))
                    : script.answer(r);
            unanswered.add(answer);
            maxUnanswered.accumulateAndGet(unanswered.size(), Math::max);
            answer.whenComplete((a, e) -> ctx.executor().execute(() -> flush(ctx)));
        }

        /** Writes the answers that are ready, in request order. */
        private void flush(ChannelHandlerContext ctx) {
            while (!unanswered.isEmpty() && unanswered.peek().isDone()) {
                Answer a = unanswered.poll().getNow(Answer.CLOSE);
                if (a == Answer.CLOSE) {
                    unanswered.clear();
                    ctx.close();
                    return;
                }
                byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                        Unpooled.wrappedBuffer(body));
                resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                a.headers().forEach((k, v) -> resp.headers().set(k, v));
                ctx.writeAndFlush(resp);
            }
        }
    }
}
