package io.tally.bench;

import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import io.tally.raft.runtime.ThreadRuntime;
import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemoryStableStore;
import io.tally.testkit.net.InMemoryNetwork;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Baseline throughput: committed-and-applied operations per second of a 3-node cluster on real threads over
 * the in-memory transport and in-memory stores, so the figure measures the Raft runtime itself (no disk, no
 * network stack). A fixed number of requests is kept outstanding against the leader; each completes when
 * the leader has applied it, i.e. after it was replicated to a majority and committed.
 *
 * <p>Usage: {@code InMemoryClusterBenchmark [--nodes 3] [--seconds 10] [--warmup 3] [--outstanding 256]
 * [--payload 128]}
 */
public final class InMemoryClusterBenchmark {

    public static void main(String[] args) throws Exception {
        int nodes = BenchArgs.intArg(args, "--nodes", 3);
        int seconds = BenchArgs.intArg(args, "--seconds", 10);
        int warmup = BenchArgs.intArg(args, "--warmup", 3);
        int outstanding = BenchArgs.intArg(args, "--outstanding", 256);
        int payload = BenchArgs.intArg(args, "--payload", 128);

        InMemoryNetwork net = new InMemoryNetwork();
        List<RaftNode<Long>> cluster = new ArrayList<>();
        String[] ids = new String[nodes];
        for (int i = 0; i < nodes; i++) {
            ids[i] = "n" + i;
        }
        for (int i = 0; i < nodes; i++) {
            RaftNode<Long> node = RaftNode.<Long>builder()
                    .id(ids[i])
                    .config(RaftConfig.defaults())
                    .stateMachine(new CountingStateMachine())
                    .logStore(new InMemoryLogStore())
                    .stableStore(new InMemoryStableStore())
                    .transport(net.transport(ids[i]))
                    .runtime(new ThreadRuntime(ids[i], i))
                    .build();
            node.start();
            node.bootstrap(Configuration.ofVoters(ids)).get(10, TimeUnit.SECONDS);
            cluster.add(node);
        }
        RaftNode<Long> leader = awaitLeader(cluster);
        byte[] command = new byte[payload];
        Arrays.fill(command, (byte) 'x');

        run(leader, command, outstanding, warmup, false);
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        Result r = run(leader, command, outstanding, seconds, true);
        long cpu = os.getProcessCpuTime() - cpuBefore;
        System.out.printf("nodes=%d payload=%dB outstanding=%d duration=%ds%n", nodes, payload, outstanding, seconds);
        System.out.printf("throughput: %.0f ops/s (%d ops committed and applied)%n", r.ops / (double) seconds, r.ops);
        // CPU per operation (all threads of the process, GC included) depends far less on a busy machine than throughput.
        System.out.printf("cpu: %.2f us per op (%.2f cores busy)%n", cpu / 1e3 / Math.max(1, r.ops), cpu / 1e9 / seconds);
        System.out.printf("latency: p50=%.3f ms p99=%.3f ms p99.9=%.3f ms max=%.3f ms%n",
                r.percentile(50), r.percentile(99), r.percentile(99.9), r.percentile(100));
        System.out.printf("leader log: last index %d, commit %d%n", leader.lastLogIndex(), leader.commitIndex());
        for (RaftNode<Long> n : cluster) {
            n.close();
        }
    }

    private record Result(long ops, long[] latenciesNanos) {
        double percentile(double p) {
            if (latenciesNanos.length == 0) {
                return 0;
            }
            int idx = (int) Math.min(latenciesNanos.length - 1, Math.ceil(p / 100.0 * latenciesNanos.length) - 1);
            return latenciesNanos[Math.max(0, idx)] / 1e6;
        }
    }

    private static Result run(RaftNode<Long> leader, byte[] command, int outstanding, int seconds, boolean record) throws Exception {
        Semaphore window = new Semaphore(outstanding);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long[] latencies = new long[record ? 50_000_000 : 0];
        AtomicLong recorded = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            long start = System.nanoTime();
            CompletableFuture<Long> f = leader.apply(command);
            f.whenComplete((v, e) -> {
                window.release();
                if (e != null) {
                    failed.incrementAndGet();
                    return;
                }
                done.incrementAndGet();
                if (record) {
                    long slot = recorded.getAndIncrement();
                    if (slot < latencies.length) {
                        latencies[(int) slot] = System.nanoTime() - start;
                    }
                }
            });
        }
        window.acquire(outstanding); // drain
        window.release(outstanding);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests failed; is the leader stable?");
        }
        long[] lat = Arrays.copyOf(latencies, (int) Math.min(recorded.get(), latencies.length));
        Arrays.sort(lat);
        return new Result(done.get(), lat);
    }

    private static RaftNode<Long> awaitLeader(List<RaftNode<Long>> cluster) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (RaftNode<Long> n : cluster) {
                if (n.state() == RaftState.LEADER && n.commitIndex() >= 2) {
                    return n;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        throw new IllegalStateException("no leader within 10 s");
    }

    /** Counts commands; the cheapest deterministic state machine, so the figure is the runtime's. */
    private static final class CountingStateMachine implements StateMachine<Long> {
        private long count;

        @Override
        public List<Long> apply(List<Command> commands) {
            List<Long> out = new ArrayList<>(commands.size());
            for (int i = 0; i < commands.size(); i++) {
                out.add(++count);
            }
            return out;
        }

        @Override
        public Snapshot snapshot() {
            long c = count;
            return (OutputStream os) -> os.write(Long.toString(c).getBytes());
        }

        @Override
        public void restore(InputStream in) throws java.io.IOException {
            count = Long.parseLong(new String(in.readAllBytes()));
        }
    }
}
