package io.tally.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overload is an answer, never a reset: three node processes with a small in-flight bound, and
 * {@value #CONNECTIONS} connections opened at once from this JVM, each sending one PUT — half to the leader, half to a
 * follower that forwards them. Every answer is 200 or 503 {@code overloaded} with {@code Retry-After}; no connection
 * is reset or closed unanswered.
 */
class ProcessManyConnectionsTest {

    static final int CONNECTIONS = 800;
    static final int MAX_IN_FLIGHT = 200;

    @Test
    void manyConnectionsAtOnceAreAllAnsweredOkOrOverloadedAndNoneIsReset() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(2);
        try (ProcessCluster c = ProcessCluster.loopback("many-connections", 3)) {
            for (NodeProcess p : c.nodes) {
                p.start(c.clusterFlag(), List.of("--max-http-in-flight", Integer.toString(MAX_IN_FLIGHT)));
            }
            NodeProcess leader = c.awaitLeader(Duration.ofSeconds(30));
            NodeProcess follower = c.nodes.stream().filter(p -> p != leader).findFirst().orElseThrow();
            c.commit(Duration.ofSeconds(10)); // the leader has committed in its term, and the follower knows it

            List<CompletableFuture<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                NodeProcess target = i % 2 == 0 ? leader : follower;
                outcomes.add(put(group, target, "conn-" + i));
            }
            Poll.until("every connection has its outcome", Duration.ofSeconds(120),
                    () -> outcomes.stream().allMatch(CompletableFuture::isDone));
            Map<String, Integer> counts = new TreeMap<>();
            for (CompletableFuture<String> f : outcomes) {
                counts.merge(f.join(), 1, Integer::sum);
            }
            System.out.println("outcomes of " + CONNECTIONS + " connections (in-flight bound " + MAX_IN_FLIGHT + "): " + counts);
            int ok = counts.getOrDefault("200", 0);
            int overloaded = counts.getOrDefault("503 overloaded", 0);
            assertEquals(CONNECTIONS, ok + overloaded, "only 200 or 503 overloaded, never a reset: " + counts);
            assertTrue(ok > 0, "some writes were served: " + counts);
            c.awaitCaughtUp(Duration.ofSeconds(30));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * One connection, one PUT; the outcome as text: "200", "503 overloaded" (with Retry-After), any other status
     * and code, or the connection's failure.
     */
    private static CompletableFuture<String> put(EventLoopGroup group, NodeProcess target, String key) {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                        outcome.complete(describe(r));
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        outcome.complete("closed without an answer");
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        outcome.complete("failed: " + cause);
                                        ctx.close();
                                    }
                                });
                    }
                });
        b.connect(target.httpHost, target.httpPort).addListener(f -> {
            if (!f.isSuccess()) {
                outcome.complete("connect failed: " + f.cause());
                return;
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT,
                    "/v1/kv/" + key + "?timeout=20s", Unpooled.copiedBuffer("value-" + key, StandardCharsets.UTF_8));
            req.headers().set(HttpHeaderNames.HOST, target.httpAddress());
            req.headers().set(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
            ((io.netty.channel.ChannelFuture) f).channel().writeAndFlush(req).addListener(w -> {
                if (!w.isSuccess()) {
                    outcome.complete("write failed: " + w.cause());
                }
            });
        });
        return outcome;
    }

    private static String describe(FullHttpResponse r) {
        int status = r.status().code();
        if (status == 200) {
            return "200";
        }
        String body = r.content().toString(StandardCharsets.UTF_8);
        if (status == 503 && body.contains("\"overloaded\"") && "1".equals(r.headers().get(HttpHeaderNames.RETRY_AFTER))) {
            return "503 overloaded";
        }
        return status + " " + body;
    }
}
