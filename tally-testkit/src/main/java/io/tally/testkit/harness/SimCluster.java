package io.tally.testkit.harness;

import io.tally.raft.RaftConfig;
import io.tally.raft.Safeguard;
import io.tally.raft.node.RaftNode;
import io.tally.testkit.api.SimulatedCluster;
import io.tally.testkit.api.Storage;
import io.tally.testkit.sim.LatencyModel;
import io.tally.testkit.sim.NodeIncarnation;
import io.tally.testkit.sim.SimNetwork;
import io.tally.testkit.sim.Simulation;

import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * The course's harness ({@link Cluster}) on the testkit's published simulator: a {@link SimulatedCluster} of
 * {@link RecordingStateMachine}s underneath runs the nodes, the simulated network and disks and virtual time, and
 * checks Raft's invariants (log matching every {@value SimulatedCluster#CHECK_INTERVAL_MS} ms of virtual time); this
 * class adds the course's semantics (a crash also disconnects the node) and its helpers. A failing seed replays
 * exactly.
 */
public final class SimCluster extends Cluster {

    private final SimulatedCluster<RecordingStateMachine, Long> c;
    private final HarnessClock clock;

    private SimCluster(int n, RaftConfig config, SimulatedCluster<RecordingStateMachine, Long> cluster) {
        super(n, config);
        this.c = cluster;
        this.clock = new SimClock(cluster.simulation());
    }

    private static SimCluster build(int slots, int initial, long seed, RaftConfig config, Storage storage,
                                    IntFunction<LatencyModel> latency, boolean trace) {
        // The recording state machines report a restored snapshot to the cluster's recorder, known once it is built
        // (no node restores anything while the cluster starts: the disks are empty).
        ApplyRecorder[] recorder = new ApplyRecorder[1];
        SimulatedCluster<RecordingStateMachine, Long> cluster = SimulatedCluster.<RecordingStateMachine, Long>builder(
                        id -> RecordingStateMachine.underSimulatedCluster(SimulatedCluster.index(id), () -> recorder[0]))
                .nodes(slots)
                .initialMembers(initial)
                .seed(seed)
                .config(config)
                .storage(storage)
                .latency(latency)
                .eventTrace(trace)
                .build();
        recorder[0] = cluster.appliedCommands();
        return new SimCluster(slots, config, cluster);
    }

    /** A started, bootstrapped cluster of {@code n} nodes with PreVote and CheckQuorum on. */
    public static SimCluster create(int n, long seed) {
        return create(n, seed, scenarioConfig(true, true), false);
    }

    public static SimCluster create(int n, long seed, RaftConfig config, boolean trace) {
        return build(n, n, seed, config, Storage.IN_MEMORY, i -> LatencyModel.DEFAULT, trace);
    }

    /** Like {@link #create(int, long, RaftConfig, boolean)}, with the nodes' executors delayed per {@code latency}. */
    public static SimCluster create(int n, long seed, RaftConfig config, LatencyModel latency) {
        return create(n, seed, config, i -> latency);
    }

    /** Like {@link #create(int, long, RaftConfig, LatencyModel)}, with node {@code i}'s executors per {@code latencyOf(i)}. */
    public static SimCluster create(int n, long seed, RaftConfig config, IntFunction<LatencyModel> latencyOf) {
        return build(n, n, seed, config, Storage.IN_MEMORY, latencyOf, false);
    }

    /**
     * {@code slots} nodes, all running, of which only the first {@code initial} are bootstrapped as voters; the
     * others wait, empty, to be added (membership scenarios).
     */
    public static SimCluster createGrowable(int slots, int initial, long seed, RaftConfig config) {
        return build(slots, initial, seed, config, Storage.IN_MEMORY, i -> LatencyModel.DEFAULT, false);
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
        return build(n, n, seed, config, Storage.SIMULATED_FILES, i -> LatencyModel.DEFAULT, false);
    }

    /** The published cluster underneath. */
    public SimulatedCluster<RecordingStateMachine, Long> simulated() {
        return c;
    }

    /** Node {@code i}'s simulated disk (file-storage clusters only). */
    public SimFileDisk fileDisk(int i) {
        return c.fileDisk(i);
    }

    public Simulation simulation() {
        return c.simulation();
    }

    public SimNetwork network() {
        return c.network();
    }

    public long seed() {
        return c.seed();
    }

    @Override
    public HarnessClock clock() {
        return clock;
    }

    @Override
    public RandomGenerator random() {
        return c.random();
    }

    // ---------------------------------------------------------------- nodes

    @Override
    public RaftNode<Long> node(int i) {
        return c.node(i);
    }

    /** The course's crash: the node is disconnected, then crashed. */
    @Override
    public void crash(int i) {
        disconnect(i);
        c.crash(i);
    }

    @Override
    public void start(int i) {
        if (c.isUp(i)) {
            crash(i);
        }
        c.start(i);
    }

    @Override
    public boolean isUp(int i) {
        return c.isUp(i);
    }

    @Override
    public void withoutSafeguard(Safeguard safeguard) {
        c.withoutSafeguard(safeguard);
    }

    @Override
    public NodeDisk disk(int i) {
        return c.disk(i);
    }

    @Override
    public InvariantChecker invariants() {
        return c.raftInvariants();
    }

    @Override
    public ApplyRecorder applied() {
        return c.appliedCommands();
    }

    @Override
    public void close() {
        c.close();
    }

    /**
     * A further incarnation of node {@code i}, for a scripted endpoint speaking as it while it is down (the next
     * {@link #start} replaces it). Node {@code i} must be down.
     */
    public NodeIncarnation nextIncarnation(int i) {
        return c.nextIncarnation(i);
    }

    // ---------------------------------------------------------------- the network

    @Override
    public void connect(int i) {
        c.network().connect(id(i));
    }

    @Override
    public void disconnect(int i) {
        c.network().disconnect(id(i));
    }

    @Override
    public boolean isConnected(int i) {
        return c.isConnected(i);
    }

    @Override
    public long rpcCount(int i) {
        return c.network().rpcCount(id(i));
    }

    @Override
    public long rpcTotal() {
        return c.network().rpcTotal();
    }

    @Override
    public long bytesTotal() {
        return c.network().bytesTotal();
    }

    /** The course's unreliable network: delays, 10 % of requests and 10 % of replies lost. */
    public void setUnreliable(boolean unreliable) {
        c.setUnreliable(unreliable);
    }

    /** The course's long reordering: 2/3 of replies held back 200–2200 ms. */
    public void setLongReordering(boolean on) {
        c.setReordering(on);
    }

    /** Blocks traffic from node {@code from} to node {@code to} (one direction). */
    public void blockLink(int from, int to) {
        c.blockLink(from, to);
    }

    /** Splits the nodes into groups that can talk only within themselves; unnamed nodes are isolated. */
    public void partition(int[]... groups) {
        c.partition(groups);
    }

    /** Reopens every blocked link (connect/disconnect state is unchanged). */
    public void heal() {
        c.heal();
    }
}
