package io.tally.bench;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.transport.netty.NettyTransport;
import io.tally.transport.netty.NettyTransportOptions;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * Round-trip latency of the TCP transport alone: node a sends an empty AppendEntries to node b over
 * loopback, b answers at once from its network thread, and a measures until the answer arrives. One
 * exchange at a time, so each sample is a full round trip (encode, checksum, syscalls, decode, both ways).
 *
 * <p>Usage: {@code TransportRoundTripBenchmark [--count 100000] [--warmup 20000]}
 */
public final class TransportRoundTripBenchmark {

    public static void main(String[] args) throws Exception {
        int count = BenchArgs.intArg(args, "--count", 100_000);
        int warmup = BenchArgs.intArg(args, "--warmup", 20_000);
        NettyTransport a = NettyTransport.bind(NettyTransportOptions.defaults("bench", "a",
                new InetSocketAddress("127.0.0.1", 0), Map.of()));
        NettyTransport b = NettyTransport.bind(NettyTransportOptions.defaults("bench", "b",
                new InetSocketAddress("127.0.0.1", 0), Map.of()));
        try {
            Configuration c = Configuration.of(List.of(
                    Member.voter("a", "127.0.0.1:" + a.localAddress().getPort()),
                    Member.voter("b", "127.0.0.1:" + b.localAddress().getPort())));
            a.configurationChanged(c);
            b.configurationChanged(c);
            SynchronousQueue<Long> answers = new SynchronousQueue<>();
            b.start(m -> {
                AppendRequest r = (AppendRequest) m;
                b.send(AppendResponse.success("b", "a", r.term(), r.prevLogIndex()));
            });
            a.start(m -> {
                try {
                    answers.put(((AppendResponse) m).matchIndex());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long[] samples = new long[count];
            for (int i = 0; i < warmup + count; i++) {
                long start = System.nanoTime();
                a.send(new AppendRequest("a", "b", 1, i, 1, List.of(), 0));
                Long got = answers.poll(5, TimeUnit.SECONDS);
                if (got == null || got != i) {
                    throw new IllegalStateException("exchange " + i + " got " + got);
                }
                if (i >= warmup) {
                    samples[i - warmup] = System.nanoTime() - start;
                }
            }
            Arrays.sort(samples);
            System.out.printf("empty AppendEntries round trip over loopback TCP, %d samples: p50 %.1f us, p99 %.1f us, "
                            + "p99.9 %.1f us, max %.1f us%n", count, BenchArgs.percentile(samples, 50) / 1e3,
                    BenchArgs.percentile(samples, 99) / 1e3, BenchArgs.percentile(samples, 99.9) / 1e3,
                    samples[count - 1] / 1e3);
        } finally {
            a.close();
            b.close();
        }
    }
}
