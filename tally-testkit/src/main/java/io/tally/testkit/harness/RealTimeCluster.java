package io.tally.testkit.harness;

import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.ThreadRuntime;
import io.tally.testkit.net.InMemoryNetwork;
import io.tally.raft.transport.Transport;

import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * A cluster of {@link RaftNode}s on real threads ({@link ThreadRuntime}) over the {@link InMemoryNetwork}:
 * the production wiring, in wall-clock time. Waits poll for their condition with a deadline.
 */
public final class RealTimeCluster extends Cluster {

    private final InMemoryNetwork net = new InMemoryNetwork();
    private final ThreadRuntime[] runtimes;
    private final long seed;
    private final RandomGenerator random;
    private final ScheduledThreadPoolExecutor harnessThread;
    private final HarnessClock clock = new RealClock();
    private final ThreadedNodes nodes;

    private RealTimeCluster(int n, long seed, RaftConfig config) {
        super(n, config);
        this.nodes = new ThreadedNodes(n, config, i -> new InMemoryDisk(), new ThreadedNodes.Wiring() {
            @Override
            public Transport newTransport(int i) {
                return net.transport(id(i));
            }

            @Override
            public RaftRuntime newRuntime(int i) {
                runtimes[i] = new ThreadRuntime(id(i), seed * 31 + i);
                return runtimes[i];
            }

            @Override
            public void kill(int i, RaftNode<Long> node) {
                node.close();
                runtimes[i].close();
            }
        });
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.runtimes = new ThreadRuntime[n];
        this.harnessThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "harness");
            t.setDaemon(true);
            return t;
        });
    }

    public static RealTimeCluster create(int n, long seed) {
        RealTimeCluster c = new RealTimeCluster(n, seed, scenarioConfig(true, true));
        c.nodes.startAll(c);
        return c;
    }

    public long seed() {
        return seed;
    }

    @Override
    public HarnessClock clock() {
        return clock;
    }

    @Override
    public synchronized RandomGenerator random() {
        return random;
    }

    @Override
    public void connect(int i) {
        net.connect(id(i));
    }

    @Override
    public void disconnect(int i) {
        net.disconnect(id(i));
    }

    @Override
    public boolean isConnected(int i) {
        return net.isConnected(id(i));
    }

    @Override
    public long rpcCount(int i) {
        return net.requestsReceived(id(i));
    }

    @Override
    public long rpcTotal() {
        return net.requestsTotal();
    }

    @Override
    public long bytesTotal() {
        return net.bytesTotal();
    }

    @Override
    public RaftNode<Long> node(int i) {
        return nodes.node(i);
    }

    @Override
    public void crash(int i) {
        disconnect(i);
        nodes.crash(i);
    }

    @Override
    public void start(int i) {
        if (nodes.node(i) != null) {
            crash(i);
        }
        nodes.start(i);
    }

    @Override
    public boolean isUp(int i) {
        return nodes.node(i) != null;
    }

    @Override
    public void withoutSafeguard(io.tally.raft.Safeguard safeguard) {
        nodes.withoutSafeguard(safeguard);
    }

    @Override
    public NodeDisk disk(int i) {
        return nodes.disk(i);
    }

    @Override
    public InvariantChecker invariants() {
        return nodes.invariants();
    }

    @Override
    public ApplyRecorder applied() {
        return nodes.applied();
    }

    @Override
    public void close() {
        try {
            nodes.close();
        } finally {
            harnessThread.shutdownNow();
        }
    }

    /** Wall-clock time; waits poll every millisecond until their deadline. */
    private final class RealClock implements HarnessClock {

        private final long origin = System.nanoTime();

        @Override
        public long nowMillis() {
            return (System.nanoTime() - origin) / 1_000_000L;
        }

        @Override
        public void sleep(long millis) {
            long deadline = System.nanoTime() + millis * 1_000_000L;
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
        }

        @Override
        public void after(long millis, Runnable task) {
            harnessThread.schedule(task, millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public boolean await(BooleanSupplier condition, long maxMillis) {
            long deadline = System.nanoTime() + maxMillis * 1_000_000L;
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                LockSupport.parkNanos(1_000_000L);
            }
            return true;
        }
    }
}
