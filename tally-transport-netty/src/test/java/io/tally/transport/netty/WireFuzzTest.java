package io.tally.transport.netty;

import io.tally.testkit.harness.Poll;
import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds {@code -Dtally.fuzz.frames} (default 100,000) seeded hostile frames ({@link HostileFrames}), one
 * connection each, to the leader of a live three-node cluster, and asserts that every one is refused (the
 * node closes the connection; none hangs it), that the node's Raft state does not move (term, log, commit),
 * and that it keeps serving: the cluster commits through it before, during and after the barrage.
 * Replay with {@code -Dtally.test.seed=S}; a failure names the attack index.
 */
class WireFuzzTest {

    @Test
    void aLiveNodeRefusesHostileFramesAndKeepsServing() throws Exception {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong());
        long frames = Long.getLong("tally.fuzz.frames", 100_000);
        System.out.println("WireFuzzTest seed = " + seed + " frames = " + frames + " (replay with -Dtally.test.seed=" + seed + ")");
        // A long election timeout: a CPU busy with the barrage must not look like a dead leader.
        RaftConfig config = RaftConfig.defaults().withElectionTimeout(java.time.Duration.ofSeconds(3))
                .withHeartbeatInterval(java.time.Duration.ofMillis(100));
        try (LoopbackCluster c = new LoopbackCluster(config, o -> o.withTimeouts(Duration.ofSeconds(2),
                Duration.ofMillis(500), Duration.ofSeconds(3)), "n1", "n2", "n3")) {
            for (int i = 0; i < 3; i++) {
                c.startAndBootstrap(i);
            }
            RaftNode<Long> target = c.awaitLeader(c.nodes);
            for (int i = 0; i < 10; i++) {
                target.apply(("before-" + i).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
            }
            NettyTransport transport = c.transports.get(c.nodes.indexOf(target));
            long term = target.term();
            long lastIndex = target.lastLogIndex();
            long commit = target.commitIndex();
            long rejectedBefore = transport.stats().connectionsRejected();
            InetSocketAddress address = transport.localAddress();
            HostileFrames gen = new HostileFrames(seed, "c1", target.id(), transport.options().maxFrameBytes());
            Map<HostileFrames.Kind, AtomicLong> byKind = new ConcurrentHashMap<>();
            AtomicLong next = new AtomicLong();
            long started = System.nanoTime();
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                Future<?>[] workers = new Future<?>[threads];
                for (int t = 0; t < threads; t++) {
                    workers[t] = pool.submit(() -> {
                        long i;
                        while ((i = next.getAndIncrement()) < frames) {
                            HostileFrames.Attack a = gen.attack(i);
                            deliver(address, a);
                            byKind.computeIfAbsent(a.kind(), k -> new AtomicLong()).incrementAndGet();
                        }
                        return null;
                    });
                }
                // The node serves a client while the barrage runs: one commit per 1,000 hostile frames.
                int during = 0;
                while (next.get() < frames && java.util.Arrays.stream(workers).noneMatch(Future::isDone)) {
                    target.apply(("during-" + during++).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
                    long reached = next.get();
                    Poll.until("1,000 more hostile frames are sent", Duration.ofSeconds(60),
                            () -> next.get() >= Math.min(frames, reached + 1000)
                                    || java.util.Arrays.stream(workers).anyMatch(Future::isDone)); // a failed worker ends it
                }
                for (Future<?> w : workers) {
                    w.get();
                }
                long seconds = Math.max(1, (System.nanoTime() - started) / 1_000_000_000L);
                System.out.printf("WireFuzzTest: %d hostile frames in %d s; %d commits through the target meanwhile; by kind %s%n",
                        frames, seconds, during, new EnumMap<>(byKind));
                // No state change from the barrage: same leader, same term, and the log grew only by our commands.
                assertEquals(term, target.term(), "term moved");
                assertEquals(lastIndex + during, target.lastLogIndex(), "log holds only the client's commands");
                assertTrue(target.commitIndex() >= commit + during);
                assertTrue(target.fatalError().isEmpty(), "no fatal error");
                assertTrue(transport.stats().connectionsRejected() - rejectedBefore > frames / 2,
                        "the node refused the hostile connections");
                for (int i = 0; i < 10; i++) {
                    target.apply(("after-" + i).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
                }
                long expected = 20 + during;
                Poll.until("every replica applies every command", Duration.ofSeconds(20),
                        () -> c.machines.stream().allMatch(m -> m.size() == expected));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Sends one attack on its own connection and waits until the node closes it. */
    private static void deliver(InetSocketAddress address, HostileFrames.Attack a) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", address.getPort()), 5000);
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write(a.bytes());
                if (a.needsHalfClose()) {
                    s.shutdownOutput();
                }
            } catch (IOException e) {
                return; // the node closed on us mid-write: refused
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1024];
            try {
                while (in.read(buf) >= 0) {
                    // drain the welcome or reject until the node closes
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("attack " + a.index() + " (" + a.kind() + ") was neither refused nor closed within 10 s");
            } catch (IOException e) {
                // reset by the node: refused
            }
        }
    }
}
