package io.tally.bench.compare;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP load generator of the product comparison: one process, many keep-alive connections (Netty), each with
 * exactly one request in flight; the next request leaves when the previous answer has arrived. Requests are built
 * by the target's {@link HttpRequests}, so etcd's gateway and Tally get the same generator. Latencies go to an
 * HdrHistogram, failed requests are counted by kind, and connections reset by the server apart (a reset connection
 * is reopened). The event loops live as long as the generator, so that its JIT-compiled code carries over from one
 * measured point to the next.
 */
final class HttpLoadGenerator implements AutoCloseable {

    /** A server and the requests it understands. */
    record Target(InetSocketAddress address, HttpRequests requests, io.netty.handler.ssl.SslContext tls) {

        Target(InetSocketAddress address, HttpRequests requests) {
            this(address, requests, null);
        }

    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final EventLoopGroup group;

    HttpLoadGenerator(int threads) {
        group = new NioEventLoopGroup(threads);
    }

    /**
     * Runs {@code workload} against {@code targets} (connections spread round-robin over them): {@code warmup}
     * unmeasured, then {@code period} measured; returns when every connection is closed.
     */
    Measurement run(List<Target> targets, Workload workload, int keys, Duration warmup, Duration period)
            throws InterruptedException {
        LoadStats stats = new LoadStats();
        Session session = new Session(targets, workload, keys, stats);
        session.open();
        Thread.sleep(warmup.toMillis());
        stats.restart();
        Thread.sleep(period.toMillis());
        Measurement m = stats.take();
        session.close();
        return m;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The connections of one run. */
    private final class Session {
        private final List<Target> targets;
        private final Workload workload;
        private final int keys;
        private final LoadStats stats;
        private final Set<Channel> open = ConcurrentHashMap.newKeySet();
        private volatile boolean running = true;

        Session(List<Target> targets, Workload workload, int keys, LoadStats stats) {
            this.targets = targets;
            this.workload = workload;
            this.keys = keys;
            this.stats = stats;
        }

        void open() {
            for (int c = 0; c < workload.concurrency(); c++) {
                connect(targets.get(c % targets.size()), new SplittableRandom(c * 1_000_003L + System.nanoTime()));
            }
        }

        private void connect(Target target, SplittableRandom random) {
            if (!running) {
                return;
            }
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (target.tls() != null) {
                                ch.pipeline().addLast(target.tls().newHandler(ch.alloc(),
                                        target.address().getHostString(), target.address().getPort()));
                            }
                            ch.pipeline().addLast(new ReadTimeoutHandler(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                                    new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                    new Connection(target, random));
                        }
                    });
            ChannelFuture f = b.connect(target.address());
            f.addListener(done -> {
                if (!done.isSuccess() && running) {
                    stats.failed("connect: " + done.cause().getClass().getSimpleName());
                    group.schedule(() -> connect(target, random), 100, TimeUnit.MILLISECONDS);
                }
            });
        }

        /** Stops sending; each connection closes once its request is answered (or after 10 s, forcibly). */
        void close() throws InterruptedException {
            running = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            for (Channel ch : open) {
                ch.close();
            }
            Thread.sleep(50);
        }

        /** One connection: sends a request, waits for its answer, sends the next. */
        private final class Connection extends SimpleChannelInboundHandler<FullHttpResponse> {
            private final Target target;
            private final SplittableRandom random;
            private long sentAt;
            private boolean sentRead;
            private boolean failed; // the reason this connection closes is counted already

            Connection(Target target, SplittableRandom random) {
                this.target = target;
                this.random = random;
            }

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                open.add(ctx.channel());
                sendNext(ctx);
            }

            private void sendNext(ChannelHandlerContext ctx) {
                if (!running) {
                    ctx.close();
                    return;
                }
                int k = random.nextInt(keys);
                sentRead = workload.readFraction() > 0 && random.nextDouble() < workload.readFraction();
                FullHttpRequest r = sentRead ? target.requests().read(k) : target.requests().write(k);
                sentAt = System.nanoTime();
                ctx.writeAndFlush(r, ctx.voidPromise());
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                String failure = target.requests().failure(sentRead, response);
                if (failure == null) {
                    stats.completed(sentAt);
                } else {
                    stats.failed(failure);
                }
                if (!HttpUtil.isKeepAlive(response)) {
                    failed = true;
                    ctx.close(); // the server ends the connection: open another
                    return;
                }
                sendNext(ctx);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                failed = true;
                if (cause instanceof IOException && String.valueOf(cause.getMessage()).contains("reset")) {
                    stats.connectionReset();
                } else if (cause instanceof ReadTimeoutException) {
                    stats.failed("no answer in " + REQUEST_TIMEOUT.toSeconds() + " s");
                } else {
                    stats.failed(cause.getClass().getSimpleName());
                }
                ctx.close();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                open.remove(ctx.channel());
                if (running) {
                    if (!failed) {
                        stats.failed("connection closed by the server");
                    }
                    group.schedule(() -> connect(target, random), 10, TimeUnit.MILLISECONDS);
                }
            }
        }
    }
}
