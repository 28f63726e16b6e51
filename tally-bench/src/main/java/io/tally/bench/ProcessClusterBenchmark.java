package io.tally.bench;


import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.raft.node.RaftNode;
import io.tally.server.ServerOptions;
import io.tally.server.TallyNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.tally.bench.BenchProcesses.freePort;

/**
 * Replication throughput of three node processes on loopback with in-memory log stores, so the figure is
 * Raft plus the TCP transport without a disk. Node n1 runs in this JVM (it carries the load generator and
 * has the default 500 ms election timeout, the others 3 s, so that it becomes leader); n2 and n3 are separate JVMs
 * ({@link io.tally.server.ServerMain} with {@code --storage memory}). A fixed number of proposals is kept outstanding; each
 * completes once committed by a majority and applied on n1. Each proposal is a key/value put whose value is
 * {@code --payload} bytes (the encoded log entry is about 30 bytes larger).
 *
 * <p>Usage: {@code ProcessClusterBenchmark [--seconds 10] [--warmup 5] [--outstanding 256] [--payload 128]}
 */
public final class ProcessClusterBenchmark {

    public static void main(String[] args) throws Exception {
        int seconds = BenchArgs.intArg(args, "--seconds", 10);
        int warmup = BenchArgs.intArg(args, "--warmup", 5);
        int outstanding = BenchArgs.intArg(args, "--outstanding", 256);
        int payload = BenchArgs.intArg(args, "--payload", 128);
        int[] raft = {freePort(), freePort(), freePort()};
        int[] http = {freePort(), freePort(), freePort()};
        String cluster = BenchProcesses.clusterFlag(raft, http, 3);
        Path dir = Files.createTempDirectory("tally-bench");
        List<Process> children = new ArrayList<>();
        TallyNode n1 = null;
        try {
            for (int i = 2; i <= 3; i++) {
                children.add(BenchProcesses.startNode(dir.resolve("n" + i + ".log"), List.of("--id", "n" + i,
                        "--data-dir", dir.resolve("n" + i).toString(), "--raft", "127.0.0.1:" + raft[i - 1],
                        "--http", "127.0.0.1:" + http[i - 1], "--cluster", cluster, "--storage", "memory",
                        "--election-timeout-ms", "3000", "--snapshot-entries", "0")));
            }
            n1 = new TallyNode(ServerOptions.parse(new String[] {"--id", "n1", "--data-dir", dir.resolve("n1").toString(),
                    "--raft", "127.0.0.1:" + raft[0], "--http", "127.0.0.1:" + http[0], "--cluster", cluster,
                    "--storage", "memory", "--election-timeout-ms", "500", "--snapshot-entries", "0"}));
            RaftNode<KvResult> leader = n1.raft();
            BenchProcesses.awaitLeadership(leader, dir);
            Semaphore window = new Semaphore(outstanding);
            AtomicLong done = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            // A put of a payload-sized value to one of 1,000 keys, as it travels through the log.
            byte[][] commands = new byte[1000][];
            for (int k = 0; k < commands.length; k++) {
                commands[k] = KvCommand.put(String.format("key-%03d", k), new byte[payload]).encode();
            }
            long sent = 0;
            long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
            long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
            long atWarmEnd = -1;
            while (System.nanoTime() < end) {
                if (atWarmEnd < 0 && System.nanoTime() >= warmEnd) {
                    atWarmEnd = done.get();
                }
                window.acquire();
                leader.apply(commands[(int) (sent++ % commands.length)]).whenComplete((r, e) -> {
                    if (e == null) {
                        done.incrementAndGet();
                    } else if (failed.getAndIncrement() == 0) {
                        System.out.println("first failure: " + e);
                    }
                    window.release();
                });
            }
            long measured = done.get() - Math.max(0, atWarmEnd);
            System.out.printf("3 processes on loopback, in-memory logs, %d B entries, %d outstanding: %,.0f entries/s "
                            + "committed and applied (%d s measured after %d s warm-up; %d failed)%n",
                    payload, outstanding, measured / (double) seconds, seconds, warmup, failed.get());
            window.acquire(outstanding);
        } finally {
            if (n1 != null) {
                n1.close();
            }
            for (Process p : children) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
