package io.tally.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import org.HdrHistogram.ConcurrentHistogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many idle watches on one node, and a write reaching all of them (issue 14): three durable node processes; this
 * process opens {@code --watchers} watch connections (NDJSON) to one follower, records that node's RSS and thread
 * count before and after, then writes {@code --writes} values one at a time through the leader and measures, for every
 * watcher and every write, the time from sending the write to the watcher receiving its event.
 *
 * <p>Usage: {@code WatchFanOutBenchmark [--watchers 10000] [--writes 100] [--pause-ms 200] [--jfr]} ({@code --jfr}:
 * the nodes record a flight recording into the temporary directory printed at the end). Needs
 * {@code ulimit -n} above the watcher count in this shell (the node inherits it).
 */
public final class WatchFanOutBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int watchers = BenchArgs.intArg(args, "--watchers", 10_000);
        int writes = BenchArgs.intArg(args, "--writes", 100);
        int pauseMs = BenchArgs.intArg(args, "--pause-ms", 200);
        boolean jfr = java.util.Arrays.asList(args).contains("--jfr");
        int[] raft = {BenchProcesses.freePort(), BenchProcesses.freePort(), BenchProcesses.freePort()};
        int[] http = {BenchProcesses.freePort(), BenchProcesses.freePort(), BenchProcesses.freePort()};
        String cluster = BenchProcesses.clusterFlag(raft, http, 3);
        Path dir = Files.createTempDirectory("tally-watch-bench");
        List<Process> nodes = new ArrayList<>();
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        HttpClient control = HttpClient.newHttpClient();
        try {
            for (int i = 1; i <= 3; i++) {
                List<String> jvm = jfr ? List.of("-XX:StartFlightRecording=filename=" + dir.resolve("n" + i + ".jfr")
                        + ",settings=profile") : List.of();
                nodes.add(BenchProcesses.startNode(dir.resolve("n" + i + ".log"), jvm, List.of("--id", "n" + i,
                        "--data-dir", dir.resolve("n" + i).toString(), "--raft", "127.0.0.1:" + raft[i - 1],
                        "--http", "127.0.0.1:" + http[i - 1], "--cluster", cluster)));
            }
            int leader = awaitLeader(control, http);
            int target = (leader + 1) % 3;
            long pid = nodes.get(target).pid();
            System.out.printf("leader n%d, watches on follower n%d (pid %d)%n", leader + 1, target + 1, pid);
            put(control, http[leader], "fan/warm", "-1"); // the follower has applied something: its store is warm
            Thread.sleep(2000);
            long rssBefore = procStatus(pid, "VmRSS");
            long threadsBefore = procStatus(pid, "Threads");

            long[] sentNanos = new long[writes];
            ConcurrentHistogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
            AtomicInteger open = new AtomicInteger();
            AtomicLong received = new AtomicLong();
            AtomicLong unexpected = new AtomicLong();
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new Watcher(open, sentNanos, latency, received, unexpected));
                        }
                    });
            List<Channel> channels = new ArrayList<>(watchers);
            long t0 = System.nanoTime();
            for (int i = 0; i < watchers; i++) {
                Channel ch = b.connect("127.0.0.1", http[target]).sync().channel();
                DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/watch?prefix=fan/watched/");
                req.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + http[target]);
                ch.writeAndFlush(req);
                channels.add(ch);
            }
            awaitCount("watch streams open", open::get, watchers, 120);
            System.out.printf("%d watches open in %.1f s%n", watchers, (System.nanoTime() - t0) / 1e9);
            Thread.sleep(3000);
            long rssIdle = procStatus(pid, "VmRSS");
            long threadsIdle = procStatus(pid, "Threads");

            for (int i = 0; i < writes; i++) {
                sentNanos[i] = System.nanoTime();
                put(control, http[leader], "fan/watched/k", Integer.toString(i));
                Thread.sleep(pauseMs);
            }
            long expected = (long) watchers * writes;
            awaitCount("events received", received::get, expected, 120);
            long rssAfter = procStatus(pid, "VmRSS");
            long threadsAfter = procStatus(pid, "Threads");
            System.out.printf("node n%d: RSS %d MiB before the watches, %d MiB with %d idle watches (%.1f KiB each), "
                            + "%d MiB after %d writes; threads %d / %d / %d%n", target + 1, rssBefore >> 10, rssIdle >> 10,
                    watchers, (rssIdle - rssBefore) / (double) watchers, rssAfter >> 10, writes, threadsBefore, threadsIdle,
                    threadsAfter);
            System.out.printf("write-to-event latency over %d events (%d watchers x %d writes): p50 %.2f ms, p99 %.2f ms, "
                            + "p99.9 %.2f ms, max %.2f ms; events received %d of %d, unexpected lines %d%n",
                    latency.getTotalCount(), watchers, writes, latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, latency.getValueAtPercentile(99.9) / 1e6,
                    latency.getMaxValue() / 1e6, received.get(), expected, unexpected.get());
            for (Channel ch : channels) {
                ch.close();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            for (Process p : nodes) {
                p.destroy();
            }
            for (Process p : nodes) {
                p.waitFor(20, TimeUnit.SECONDS);
            }
            System.out.println("node logs in " + dir);
        }
    }

    /** One watch stream: counts its events and records each one's latency from its write's send time. */
    private static final class Watcher extends SimpleChannelInboundHandler<HttpObject> {
        private final AtomicInteger open;
        private final long[] sentNanos;
        private final ConcurrentHistogram latency;
        private final AtomicLong received;
        private final AtomicLong unexpected;
        private final StringBuilder partial = new StringBuilder();

        Watcher(AtomicInteger open, long[] sentNanos, ConcurrentHistogram latency, AtomicLong received, AtomicLong unexpected) {
            this.open = open;
            this.sentNanos = sentNanos;
            this.latency = latency;
            this.received = received;
            this.unexpected = unexpected;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
            long now = System.nanoTime();
            if (msg instanceof HttpResponse r) {
                if (r.status().code() == 200) {
                    open.incrementAndGet();
                } else {
                    System.err.println("watch refused: " + r.status());
                }
            }
            if (msg instanceof HttpContent c) {
                ByteBuf content = c.content();
                partial.append(content.toString(StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    int v = line.indexOf("\"value\":\"");
                    if (v >= 0) {
                        String b64 = line.substring(v + 9, line.indexOf('"', v + 9));
                        int i = Integer.parseInt(new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8));
                        latency.recordValue(Math.max(0, now - sentNanos[i]));
                        received.incrementAndGet();
                    } else if (!line.startsWith("{\"progress\"")) {
                        unexpected.incrementAndGet();
                    }
                }
            }
        }
    }

    private static int awaitLeader(HttpClient control, int[] http) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < http.length; i++) {
                try {
                    String body = control.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http[i] + "/v1/status"))
                            .timeout(Duration.ofSeconds(2)).build(), BodyHandlers.ofString()).body();
                    if (JSON.readTree(body).path("state").asText().equals("leader")) {
                        return i;
                    }
                } catch (java.io.IOException e) {
                    // not up yet
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no leader within 60 s");
    }

    private static void put(HttpClient control, int port, String key, String value) throws Exception {
        int status = control.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/kv/" + key))
                .PUT(HttpRequest.BodyPublishers.ofString(value)).build(), BodyHandlers.discarding()).statusCode();
        if (status != 200) {
            throw new IllegalStateException("PUT " + key + " answered " + status);
        }
    }

    private static void awaitCount(String what, java.util.function.LongSupplier count, long expected, int seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (count.getAsLong() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": " + count.getAsLong() + " of " + expected + " after " + seconds + " s");
            }
            Thread.sleep(50);
        }
    }

    /** A field of /proc/PID/status in KiB (VmRSS) or as a count (Threads). */
    private static long procStatus(long pid, String field) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
    }
}
