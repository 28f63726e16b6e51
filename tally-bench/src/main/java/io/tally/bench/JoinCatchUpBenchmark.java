package io.tally.bench;

import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.raft.node.RaftNode;
import io.tally.raft.model.Member;
import io.tally.server.MemberHttp;
import io.tally.server.ServerOptions;
import io.tally.server.TallyNode;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.tally.bench.BenchProcesses.freePort;

/**
 * Does adding an empty node stall a busy cluster? Three nodes with file storage on loopback (n1 in this JVM as
 * leader, n2 and n3 as processes) are filled with {@code --entries} puts (so the log is a snapshot plus a tail).
 * Then a paced load of {@code --rate} puts per second runs while write latency is recorded — measured from each
 * write's scheduled start, so that a stall counts in full (no coordinated omission): {@code --before} seconds
 * with three voters, then while a fourth node is added as a voter — caught up (snapshot and log) as a non-voter,
 * then promoted — until it is a voter. The fourth node's process is started, empty, before the measurement and
 * added through {@code RaftNode.addMember} (as {@code ./tally add-member} does): on a 2-core machine a JVM starting
 * up takes a core for seconds, which is the machine's cost, not Raft's. With {@code --join-flag} it is started
 * with {@code --join} during the measurement instead, JVM start included.
 *
 * <p>Usage: {@code JoinCatchUpBenchmark [--entries 1000000] [--rate 2000] [--before 20] [--snapshot-entries 400000]
 * [--join-flag]}. For diagnosis, {@code -Dn4.memory=true} gives n4 in-memory storage and {@code -Dn4.jvm="OPTIONS"}
 * extra JVM options (set them in {@code MAVEN_OPTS} under {@code exec:java}).
 */
public final class JoinCatchUpBenchmark {

    public static void main(String[] args) throws Exception {
        int entries = BenchArgs.intArg(args, "--entries", 1_000_000);
        int rate = BenchArgs.intArg(args, "--rate", 2000);
        int before = BenchArgs.intArg(args, "--before", 20);
        int snapshotEntries = BenchArgs.intArg(args, "--snapshot-entries", 400_000);
        boolean joinFlag = java.util.Arrays.asList(args).contains("--join-flag");
        int[] raft = {freePort(), freePort(), freePort(), freePort()};
        int[] http = {freePort(), freePort(), freePort(), freePort()};
        String cluster = BenchProcesses.clusterFlag(raft, http, 3);
        Path dir = Files.createTempDirectory("tally-join-bench");
        List<Process> children = new ArrayList<>();
        TallyNode n1 = null;
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 2; i <= 3; i++) {
                children.add(BenchProcesses.startNode(dir.resolve("n" + i + ".log"), List.of("--id", "n" + i,
                        "--data-dir", dir.resolve("n" + i).toString(), "--raft", "127.0.0.1:" + raft[i - 1],
                        "--http", "127.0.0.1:" + http[i - 1], "--cluster", cluster, "--election-timeout-ms", "3000",
                        "--snapshot-entries", Integer.toString(snapshotEntries))));
            }
            n1 = new TallyNode(ServerOptions.parse(new String[] {"--id", "n1", "--data-dir", dir.resolve("n1").toString(),
                    "--raft", "127.0.0.1:" + raft[0], "--http", "127.0.0.1:" + http[0], "--cluster", cluster,
                    "--election-timeout-ms", "500", "--snapshot-entries", Integer.toString(snapshotEntries)}));
            RaftNode<KvResult> leader = n1.raft();
            BenchProcesses.awaitLeadership(leader, dir);
            if (!joinFlag) {
                Process n4 = startN4(dir, raft[3], http[3], List.of(), snapshotEntries);
                children.add(n4);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.readString(dir.resolve("n4.log")).contains("READY")) {
                    if (System.nanoTime() > deadline || !n4.isAlive()) {
                        throw new IllegalStateException("n4 did not start; logs in " + dir);
                    }
                    Thread.sleep(50);
                }
            }

            // Fill: `entries` puts of 100-byte values over 100,000 keys, 256 outstanding.
            long t0 = System.nanoTime();
            Semaphore window = new Semaphore(256);
            AtomicLong failed = new AtomicLong();
            for (int i = 0; i < entries; i++) {
                window.acquire();
                leader.apply(put(i)).whenComplete((r, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                    window.release();
                });
            }
            window.acquire(256);
            window.release(256);
            System.out.printf("filled %,d entries in %.1f s (%d failed); leader log: last index %,d, snapshot-entries %,d%n",
                    entries, (System.nanoTime() - t0) / 1e9, failed.get(), leader.lastLogIndex(), snapshotEntries);

            AtomicReference<Histogram> phase = new AtomicReference<>(new Histogram(3_600_000_000L, 3));
            AtomicLong seq = new AtomicLong(entries);
            // Per second since the start of the paced load: the worst latency, to see when in the join any delay falls.
            java.util.concurrent.ConcurrentHashMap<Long, Long> worstBySecond = new java.util.concurrent.ConcurrentHashMap<>();
            long periodNanos = 1_000_000_000L / rate;
            long start = System.nanoTime();
            pacer.scheduleAtFixedRate(() -> {
                // The n-th write's intended start: a stalled write delays the pacer, not the recorded latency.
                long n = seq.getAndIncrement() - entries;
                long intended = start + n * periodNanos;
                Histogram h = phase.get();
                leader.apply(put(n)).whenComplete((r, e) -> {
                    long micros = Math.max(0, (System.nanoTime() - intended) / 1000);
                    worstBySecond.merge((intended - start) / 1_000_000_000L, micros, Math::max);
                    synchronized (h) {
                        h.recordValue(Math.min(micros, h.getHighestTrackableValue()));
                    }
                });
            }, 0, periodNanos, TimeUnit.NANOSECONDS);
            Thread.sleep(TimeUnit.SECONDS.toMillis(before));
            Histogram beforeJoin = phase.getAndSet(new Histogram(3_600_000_000L, 3));

            long joinStart = System.nanoTime();
            if (joinFlag) {
                children.add(startN4(dir, raft[3], http[3], List.of("--join", "127.0.0.1:" + http[0]), snapshotEntries));
            } else {
                leader.addMember(MemberHttp.with(Member.voter("n4", "127.0.0.1:" + raft[3]), "127.0.0.1:" + http[3]),
                        Duration.ofMinutes(10));
            }
            while (!leader.configuration().isVoter("n4") || leader.configuration().isJoint()
                    || leader.committedConfiguration().isJoint() || !leader.committedConfiguration().isVoter("n4")) {
                if (System.nanoTime() - joinStart > TimeUnit.MINUTES.toNanos(10)) {
                    throw new IllegalStateException("n4 did not become a voter in 10 minutes; logs in " + dir);
                }
                Thread.sleep(20);
            }
            double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
            Histogram duringJoin = phase.getAndSet(new Histogram(3_600_000_000L, 3));
            pacer.shutdown();
            pacer.awaitTermination(5, TimeUnit.SECONDS);
            Thread.sleep(1000); // let the last writes complete before reading the histogram
            System.out.printf("%,d writes/s paced; n4 went from empty to voter in %.1f s (%s)%n", rate, joinSeconds,
                    joinFlag ? "started with --join: JVM start included" : "process started beforehand, added by addMember");
            long firstJoinSecond = (joinStart - start) / 1_000_000_000L;
            StringBuilder timeline = new StringBuilder("  worst latency per second, last 10 s before the join (ms):");
            for (long sec = Math.max(0, firstJoinSecond - 10); sec < firstJoinSecond; sec++) {
                timeline.append(' ').append(worstBySecond.getOrDefault(sec, 0L) / 1000);
            }
            timeline.append("\n  worst latency per second of the join (ms):");
            for (long sec = firstJoinSecond; sec <= firstJoinSecond + (long) joinSeconds; sec++) {
                timeline.append(' ').append(worstBySecond.getOrDefault(sec, 0L) / 1000);
            }
            System.out.println(timeline);
            report("before the join", beforeJoin);
            report("during the join", duringJoin);
            System.out.printf("p99 during / before = %.2f%n",
                    duringJoin.getValueAtPercentile(99) / (double) Math.max(1, beforeJoin.getValueAtPercentile(99)));
        } finally {
            pacer.shutdownNow();
            if (n1 != null) {
                n1.close();
            }
            for (Process p : children) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static Process startN4(Path dir, int raftPort, int httpPort, List<String> more, int snapshotEntries)
            throws java.io.IOException {
        List<String> flags = new ArrayList<>(List.of("--id", "n4", "--data-dir", dir.resolve("n4").toString(),
                "--raft", "127.0.0.1:" + raftPort, "--http", "127.0.0.1:" + httpPort, "--election-timeout-ms", "3000",
                "--snapshot-entries", Integer.toString(snapshotEntries)));
        flags.addAll(more);
        if (Boolean.getBoolean("n4.memory")) {
            flags.addAll(List.of("--storage", "memory"));
        }
        String jvm = System.getProperty("n4.jvm", "");
        return BenchProcesses.startNode(dir.resolve("n4.log"), jvm.isBlank() ? List.of() : List.of(jvm.split(" ")), flags);
    }

    private static byte[] put(long i) {
        return KvCommand.put(String.format("key-%06d", i % 100_000), new byte[100]).encode();
    }

    private static void report(String what, Histogram h) {
        synchronized (h) {
            System.out.printf("  %-16s %,8d writes  p50 %,7d us  p99 %,7d us  p99.9 %,7d us  max %,7d us%n", what,
                    h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue());
        }
    }
}
