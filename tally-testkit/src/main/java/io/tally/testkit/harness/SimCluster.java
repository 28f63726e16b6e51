package io.tally.testkit.harness;

import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.transport.Transport;
import io.tally.testkit.sim.LatencyModel;
import io.tally.testkit.sim.NodeIncarnation;
import io.tally.testkit.sim.SimNetwork;
import io.tally.testkit.sim.SimRuntime;
import io.tally.testkit.sim.Simulation;

import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * A cluster of real {@link RaftNode}s on the deterministic simulator: one thread, virtual time, every
 * random choice drawn from one seed, so a failing seed replays exactly. The log matching invariant is
 * checked every {@value #LOG_CHECK_INTERVAL_MS} ms of virtual time.
 */
public final class SimCluster extends Cluster {

    static final long LOG_CHECK_INTERVAL_MS = 250;

    private final Simulation sim;
    private final SimNetwork net;
    private final NodeIncarnation[] incarnations;
    private final RandomGenerator scenarioRandom;
    private final HarnessClock clock;
    private IntFunction<LatencyModel> latency = i -> LatencyModel.DEFAULT;

    private SimCluster(int n, Simulation sim, RaftConfig config, boolean trace, IntFunction<NodeDisk> disks) {
        this(n, n, sim, config, trace, disks);
    }

    private SimCluster(int n, int initial, Simulation sim, RaftConfig config, boolean trace, IntFunction<NodeDisk> disks) {
        super(n, initial, config, disks);
        this.sim = sim;
        if (trace) {
            sim.enableTrace();
        }
        this.net = new SimNetwork(sim);
        this.incarnations = new NodeIncarnation[n];
        this.scenarioRandom = sim.newRandom();
        this.clock = new SimClock(sim);
    }

    /** A started, bootstrapped cluster of {@code n} nodes with PreVote and CheckQuorum on. */
    public static SimCluster create(int n, long seed) {
        return create(n, seed, scenarioConfig(true, true), false);
    }

    public static SimCluster create(int n, long seed, RaftConfig config, boolean trace) {
        return started(new SimCluster(n, new Simulation(seed), config, trace, i -> new InMemoryDisk()));
    }

    /** Like {@link #create(int, long, RaftConfig, boolean)}, with the nodes' executors delayed per {@code latency}. */
    public static SimCluster create(int n, long seed, RaftConfig config, LatencyModel latency) {
        return create(n, seed, config, i -> latency);
    }

    /** Like {@link #create(int, long, RaftConfig, LatencyModel)}, with node {@code i}'s executors per {@code latencyOf(i)}. */
    public static SimCluster create(int n, long seed, RaftConfig config, IntFunction<LatencyModel> latencyOf) {
        SimCluster c = new SimCluster(n, new Simulation(seed), config, false, i -> new InMemoryDisk());
        c.latency = latencyOf;
        return started(c);
    }

    /**
     * {@code slots} nodes, all running, of which only the first {@code initial} are bootstrapped as voters; the
     * others wait, empty, to be added (membership scenarios).
     */
    public static SimCluster createGrowable(int slots, int initial, long seed, RaftConfig config) {
        return started(new SimCluster(slots, initial, new Simulation(seed), config, false, i -> new InMemoryDisk()));
    }

    /**
     * A cluster whose nodes keep their log and hard state in the real file stores, each on its own
     * simulated disk ({@link SimFileDisk}), so that crashes can lose or tear unsynced writes.
     */
    public static SimCluster createWithFileStorage(int n, long seed) {
        return createWithFileStorage(n, seed, scenarioConfig(true, true));
    }

    /** {@link #createWithFileStorage(int, long)} with these settings (snapshots, for example). */
    public static SimCluster createWithFileStorage(int n, long seed, RaftConfig config) {
        Simulation sim = new Simulation(seed);
        RandomGenerator diskRandom = sim.newRandom();
        return started(new SimCluster(n, sim, config, false, i -> new SimFileDisk(id(i), diskRandom)));
    }

    /** Node {@code i}'s simulated disk (file-storage clusters only). */
    public SimFileDisk fileDisk(int i) {
        return (SimFileDisk) disk(i);
    }

    private static SimCluster started(SimCluster c) {
        c.startAll();
        c.scheduleLogMatchingCheck();
        return c;
    }

    private void scheduleLogMatchingCheck() {
        sim.schedule(LOG_CHECK_INTERVAL_MS * 1_000_000L, "check log matching", () -> {
            invariants.checkLogMatching(liveLogs());
            scheduleLogMatchingCheck();
        });
    }

    public Simulation simulation() {
        return sim;
    }

    public SimNetwork network() {
        return net;
    }

    public long seed() {
        return sim.seed();
    }

    @Override
    public HarnessClock clock() {
        return clock;
    }

    @Override
    public RandomGenerator random() {
        return scenarioRandom;
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
        return net.rpcCount(id(i));
    }

    @Override
    public long rpcTotal() {
        return net.rpcTotal();
    }

    @Override
    public long bytesTotal() {
        return net.bytesTotal();
    }

    /** The course's unreliable network: delays, 10 % of requests and 10 % of replies lost. */
    public void setUnreliable(boolean unreliable) {
        net.setReliable(!unreliable);
    }

    /** The course's long reordering: 2/3 of replies held back 200–2200 ms. */
    public void setLongReordering(boolean on) {
        net.setLongReordering(on);
    }

    /** Blocks traffic from node {@code from} to node {@code to} (one direction). */
    public void blockLink(int from, int to) {
        net.blockLink(id(from), id(to));
    }

    /** Splits the nodes into groups that can talk only within themselves; unnamed nodes are isolated. */
    public void partition(int[]... groups) {
        net.partition(Cluster::id, groups);
    }

    /** Reopens every blocked link (connect/disconnect state is unchanged). */
    public void heal() {
        net.heal();
    }

    /**
     * A further incarnation of node {@code i}, for a scripted endpoint speaking as it while it is down (the next
     * {@link #start} replaces it). Node {@code i} must be down.
     */
    public NodeIncarnation nextIncarnation(int i) {
        if (isUp(i)) {
            throw new IllegalStateException("node " + id(i) + " is up");
        }
        incarnations[i] = incarnations[i].next();
        return incarnations[i];
    }

    @Override
    protected Transport newTransport(int i) {
        incarnations[i] = incarnations[i] == null ? NodeIncarnation.first(id(i)) : incarnations[i].next();
        return net.transport(incarnations[i]);
    }

    @Override
    protected RaftRuntime newRuntime(int i) {
        return new SimRuntime(sim, incarnations[i], latency.apply(i));
    }

    @Override
    protected void kill(int i, RaftNode<Long> node) {
        incarnations[i].kill();
    }
}
