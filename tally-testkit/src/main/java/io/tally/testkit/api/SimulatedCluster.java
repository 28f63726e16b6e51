package io.tally.testkit.api;

import io.tally.raft.LeaderChange;
import io.tally.raft.Membership;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.Safeguard;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.node.RaftNode;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;
import io.tally.testkit.disk.SimFileSystem;
import io.tally.testkit.harness.ApplyRecorder;
import io.tally.testkit.harness.HarnessClock;
import io.tally.testkit.harness.InMemoryDisk;
import io.tally.testkit.harness.InvariantChecker;
import io.tally.testkit.harness.InvariantViolation;
import io.tally.testkit.harness.MembershipDriver;
import io.tally.testkit.harness.NodeDisk;
import io.tally.testkit.harness.SimClock;
import io.tally.testkit.harness.SimFileDisk;
import io.tally.testkit.sim.ClockFaults;
import io.tally.testkit.sim.ClockModel;
import io.tally.testkit.sim.LatencyModel;
import io.tally.testkit.sim.NodeIncarnation;
import io.tally.testkit.sim.SimNetwork;
import io.tally.testkit.sim.SimRuntime;
import io.tally.testkit.sim.Simulation;
import io.tally.testkit.sim.TimerModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * A cluster of real {@link RaftNode}s running your state machine on Tally's deterministic simulator: one thread,
 * virtual time, a simulated network and simulated disks, every random choice drawn from one seed — so a run is
 * reproduced exactly by its seed. Each node runs Tally's real Raft core, log writer, apply loop, storage and wire
 * codec; only time, threads, the network and the disk are simulated.
 *
 * <p>Raft's safety properties are checked all along and cannot be switched off: election safety (at every leader
 * change), leader completeness (every new leader holds every command applied in an earlier term), state machine
 * safety (no two nodes apply different commands at one index; every snapshot restored covers exactly commands the
 * nodes applied) and log matching (every 250 ms of virtual time and at {@link #close()}). Your own
 * {@link StateInvariant}s and the replica comparison ({@link Builder#replicaState}) run at the same moments. A
 * violation is an {@link InvariantViolation} ({@code AssertionError}) that ends the run.
 *
 * <p>Nothing happens between calls: time moves only in {@link #runFor}, {@link #runUntil} and the methods that wait
 * ({@link #await}, {@link #changeMembership}, {@link #transferLeadership}). Node {@code i} has id {@code "n" + i}.
 * Most users want the {@link Simulator}, which drives a cluster with clients and a fault schedule; this class is for
 * tests that script their faults step by step.
 *
 * <p>An application that runs code of its own beside each {@code RaftNode} (a request front end, leases, watches)
 * puts it under the simulator as a {@link NodeService}: it is started with every life of every node, reads that
 * life's clock and schedules its tasks on that life, so that a crash ends it as it ends the node. Tally's own
 * key/value scenarios run the key/value service this way.
 *
 * @param <S> your state machine type
 * @param <R> its result type
 */
public final class SimulatedCluster<S extends StateMachine<R>, R> implements AutoCloseable {

    /** How often, in virtual time, the log matching check and your invariants run. */
    public static final long CHECK_INTERVAL_MS = 250;

    private final int n;
    private final RaftConfig config;
    private final Simulation sim;
    private final SimNetwork net;
    private final StateMachineFactory<? extends S> factory;
    private final List<StateInvariant<? super S>> stateInvariants;
    private final Function<? super S, ?> replicaState;
    private final IntFunction<LatencyModel> latency;
    private final ClockFaults clockFaults;
    private final Map<Integer, TimerModel> timerOverrides;
    private final EnumSet<Safeguard> disabledSafeguards;
    private final InvariantChecker invariants = new InvariantChecker();
    private final ApplyRecorder applied;
    private final Trace trace;
    private final HarnessClock clock;
    private final RandomGenerator random;
    /** Draws each incarnation's clock; null without clock faults (so that none is drawn from the seed). */
    private final RandomGenerator clockRandom;
    /** Draws each life's clock origin for the node services; null without services (so that none is drawn). */
    private final RandomGenerator clockOrigins;
    private final List<NodeService<S, R>> services;
    /** The initial members' configuration, or null when the test bootstraps the nodes itself. */
    private final Configuration bootstrap;
    private final List<RaftNode<R>> nodes = new ArrayList<>();
    private final List<CheckedStateMachine<S, R>> machines = new ArrayList<>();
    private final List<NodeDisk> disks = new ArrayList<>();
    private final List<LogStore> liveLogStores = new ArrayList<>();
    private final NodeIncarnation[] incarnations;
    private boolean closed;

    private SimulatedCluster(Builder<S, R> b) {
        this.n = b.nodes;
        this.config = b.config;
        this.sim = new Simulation(b.seed);
        if (b.eventTrace) {
            sim.enableTrace();
        }
        // Draw order (disk random, then the scenario random) is kept stable: changing it changes every seed's run.
        RandomGenerator diskRandom = b.storage == Storage.SIMULATED_FILES ? sim.newRandom() : null;
        this.net = new SimNetwork(sim);
        this.random = sim.newRandom();
        this.clockRandom = b.clockFaults.equals(ClockFaults.NONE) ? null : sim.newRandom();
        this.services = List.copyOf(b.services);
        this.clockOrigins = services.isEmpty() ? null : sim.newRandom();
        this.factory = b.factory;
        this.stateInvariants = List.copyOf(b.stateInvariants);
        this.replicaState = b.replicaState;
        this.latency = b.latency;
        this.clockFaults = b.clockFaults;
        this.timerOverrides = Map.copyOf(b.timerOverrides);
        this.disabledSafeguards = b.disabledSafeguards.isEmpty() ? EnumSet.noneOf(Safeguard.class)
                : EnumSet.copyOf(b.disabledSafeguards);
        this.applied = new ApplyRecorder(n, invariants);
        this.trace = new Trace(sim);
        this.clock = new SimClock(sim);
        this.incarnations = new NodeIncarnation[n];
        String[] ids = new String[b.initialMembers];
        for (int i = 0; i < n; i++) {
            nodes.add(null);
            machines.add(null);
            liveLogStores.add(null);
            String id = id(i);
            disks.add(b.storage == Storage.SIMULATED_FILES ? new SimFileDisk(id, diskRandom) : new InMemoryDisk());
            if (i < b.initialMembers) {
                ids[i] = id;
            }
        }
        this.bootstrap = ids.length == 0 ? null : Configuration.ofVoters(ids);
    }

    /**
     * A builder for a cluster whose nodes run the state machines {@code factory} makes (one per node life).
     *
     * @param <S> your state machine type
     * @param <R> its result type
     */
    public static <S extends StateMachine<R>, R> Builder<S, R> builder(StateMachineFactory<? extends S> factory) {
        return new Builder<>(factory);
    }

    /** The id of node {@code i}: {@code "n" + i}. */
    public static String id(int i) {
        return "n" + i;
    }

    /** The index of the node with id {@code id} ({@code "n3"}: 3). */
    public static int index(String id) {
        if (id == null || id.length() < 2 || id.charAt(0) != 'n') {
            throw new IllegalArgumentException("not a simulated node id: " + id);
        }
        return Integer.parseInt(id.substring(1));
    }

    // ---------------------------------------------------------------- starting and stopping nodes

    private void startAll() {
        for (int i = 0; i < n; i++) {
            start(i);
            if (bootstrap != null && bootstrap.contains(id(i))) {
                await(nodes.get(i).bootstrap(bootstrap), 5_000, "bootstrap of " + id(i));
            }
        }
        scheduleChecks();
    }

    /**
     * Starts node {@code i} from what its disk kept, with a fresh state machine from the factory (crashing it first if
     * it runs). Its network connectivity is unchanged. A node that refuses to start (damaged storage) stays down and
     * the exception is thrown.
     */
    public void start(int i) {
        checkIndex(i);
        if (nodes.get(i) != null) {
            crash(i);
        }
        applied.reset(i);
        NodeDisk disk = disks.get(i);
        LogStore log;
        StableStore stable;
        SnapshotStore snapshots;
        try {
            log = disk.logStore();
            stable = disk.stableStore();
            snapshots = disk.snapshotStore();
        } catch (IOException e) {
            trace.record(id(i) + " cannot open its storage: " + e.getMessage());
            throw new UncheckedIOException("node " + id(i) + " cannot open its storage: " + e.getMessage(), e);
        }
        incarnations[i] = incarnations[i] == null ? NodeIncarnation.first(id(i)) : incarnations[i].next();
        NodeIncarnation life = incarnations[i];
        TimerModel timers = timerOverrides.getOrDefault(i, clockFaults.timers());
        ClockModel clockModel = clockRandom == null ? ClockModel.exact() : clockFaults.drawClock(clockRandom);
        SimRuntime runtime = new SimRuntime(sim, life, latency.apply(i), clockModel, timers);
        S inner = Objects.requireNonNull(factory.create(id(i)), "the state machine factory returned null");
        CheckedStateMachine<S, R> machine = new CheckedStateMachine<>(i, inner, applied, (commands, lastIndex) -> {
            trace.record(id(i) + " restored a snapshot: " + commands + " commands, up to raft index " + lastIndex);
            checkStateOf(i);
        });
        RaftNode.Builder<R> builder = RaftNode.<R>builder()
                .id(id(i))
                .config(config)
                .stateMachine(machine)
                .logStore(log)
                .stableStore(stable)
                .snapshotStore(snapshots)
                .transport(net.transport(life))
                .runtime(runtime);
        disabledSafeguards.forEach(builder::withoutSafeguard);
        RaftNode<R> node = builder.build();
        node.addLeaderListener(change -> onLeaderChange(change, log));
        nodes.set(i, node);
        machines.set(i, machine);
        liveLogStores.set(i, log);
        try {
            node.start();
        } catch (RuntimeException e) {
            nodes.set(i, null);
            machines.set(i, null);
            liveLogStores.set(i, null);
            life.kill();
            trace.record(id(i) + " refused to start: " + e);
            throw e;
        }
        trace.record(id(i) + " started (life " + life.number() + ", clock " + runtime.clockModel() + ")");
        startServices(i, life, node, machine.inner(), runtime);
    }

    /** Hands the new life to every {@link NodeService}, with its own clock (an origin of its own, drawn from the seed). */
    private void startServices(int i, NodeIncarnation life, RaftNode<R> node, S stateMachine, SimRuntime runtime) {
        if (services.isEmpty()) {
            return;
        }
        long origin = clockOrigins.nextLong(-(1L << 50), 1L << 50);
        NodeLife<S, R> view = new NodeLife<>(i, life, node, stateMachine, runtime.clockModel(),
                () -> runtime.nanoTime() + origin, sim);
        for (NodeService<S, R> service : services) {
            service.started(view);
        }
    }

    /**
     * Crashes node {@code i}: its process ends at once (nothing of it runs any more, messages to it are lost) and its
     * disk keeps only what a real crash would (on {@link Storage#SIMULATED_FILES}: synced data, plus whatever the
     * disk's crash model keeps of the rest). Connectivity is unchanged. Does nothing if the node is down.
     */
    public void crash(int i) {
        checkIndex(i);
        RaftNode<R> node = nodes.get(i);
        if (node == null) {
            return;
        }
        incarnations[i].kill();
        nodes.set(i, null);
        machines.set(i, null);
        liveLogStores.set(i, null);
        disks.get(i).crash();
        trace.record(id(i) + " crashed");
    }

    /** Crashes node {@code i} if it runs, then starts it again from its disk. */
    public void restart(int i) {
        crash(i);
        start(i);
    }

    /**
     * Freezes node {@code i} for {@code millis} of virtual time, as a GC pause or SIGSTOP would: its timers and tasks
     * wait and then run all at once, messages to it queue, its clock goes on.
     */
    public void pause(int i, long millis) {
        checkIndex(i);
        if (nodes.get(i) != null) {
            incarnations[i].pauseUntil(sim.nowNanos() + millis * 1_000_000L);
            trace.record(id(i) + " paused for " + millis + " ms");
        }
    }

    /** A control run: nodes started from now on run without {@code safeguard}. */
    public void withoutSafeguard(Safeguard safeguard) {
        disabledSafeguards.add(safeguard);
    }

    /** Whether node {@code i} runs (started, not crashed; it may have stopped itself, see {@link RaftNode#state()}). */
    public boolean isUp(int i) {
        checkIndex(i);
        return nodes.get(i) != null;
    }

    /** Node {@code i}'s {@link RaftNode} in its current life, or null while it is down. */
    public RaftNode<R> node(int i) {
        checkIndex(i);
        return nodes.get(i);
    }

    /**
     * Node {@code i}'s state machine in its current life, or null while it is down. Read it only between calls that
     * run the simulation (never from another thread); do not change it.
     */
    public S stateMachine(int i) {
        checkIndex(i);
        CheckedStateMachine<S, R> m = machines.get(i);
        return m == null ? null : m.inner();
    }

    /** The Raft index of the last command node {@code i}'s state machine applied (0: none; -1: down). */
    public long appliedCommandIndex(int i) {
        checkIndex(i);
        CheckedStateMachine<S, R> m = machines.get(i);
        return m == null ? -1 : m.lastCommandIndex();
    }

    /** Node {@code i}'s storage (a {@link SimFileDisk} on {@link Storage#SIMULATED_FILES}). */
    public NodeDisk disk(int i) {
        checkIndex(i);
        return disks.get(i);
    }

    /**
     * Node {@code i}'s simulated file system in its current life, for disk faults: {@link SimFileSystem#setCapacity}
     * (a full disk), {@link SimFileSystem#flipRandomBit}, failing syncs.
     *
     * @throws IllegalStateException unless the cluster runs on {@link Storage#SIMULATED_FILES}
     */
    public SimFileSystem fileSystem(int i) {
        return fileDisk(i).fileSystem();
    }

    /** Node {@code i}'s simulated disk (its crash model, its directories). File storage only. */
    public SimFileDisk fileDisk(int i) {
        if (!(disk(i) instanceof SimFileDisk d)) {
            throw new IllegalStateException("the cluster runs on in-memory storage: build it with Storage.SIMULATED_FILES");
        }
        return d;
    }

    // ---------------------------------------------------------------- the network

    /** Reconnects node {@code i}: it sends and receives again (subject to blocked links). */
    public void connect(int i) {
        net.connect(id(i));
        trace.record(id(i) + " reconnected");
    }

    /** Cuts node {@code i} off: it neither sends nor receives, messages in flight included. */
    public void disconnect(int i) {
        net.disconnect(id(i));
        trace.record(id(i) + " disconnected");
    }

    /** Whether node {@code i} is connected ({@link #disconnect}). */
    public boolean isConnected(int i) {
        return net.isConnected(id(i));
    }

    /** The MIT 6.824 unreliable network: 10 % of requests and of replies lost, requests delayed up to 26 ms. */
    public void setUnreliable(boolean unreliable) {
        net.setReliable(!unreliable);
        trace.record("network " + (unreliable ? "unreliable" : "reliable"));
    }

    /** Long reordering: two thirds of replies held back 200 ms to 2.2 s. */
    public void setReordering(boolean on) {
        net.setLongReordering(on);
        trace.record("long reordering " + (on ? "on" : "off"));
    }

    /** Splits the nodes into groups that can talk only within themselves; nodes in no group are cut off. */
    public void partition(int[]... groups) {
        net.partition(SimulatedCluster::id, groups);
        StringBuilder sb = new StringBuilder("partition:");
        for (int[] g : groups) {
            sb.append(' ').append(describe(g));
        }
        trace.record(sb.toString());
    }

    /**
     * A partial partition: the nodes of {@code sideA} and {@code sideB} cannot talk to each other, and node
     * {@code bridge} (in neither side) talks to everyone. Replaces any earlier partition.
     */
    public void bridge(int bridge, int[] sideA, int[] sideB) {
        net.heal();
        for (int a : sideA) {
            for (int b : sideB) {
                if (a == bridge || b == bridge) {
                    throw new IllegalArgumentException("the bridge " + id(bridge) + " must be in neither side");
                }
                net.blockLink(id(a), id(b));
                net.blockLink(id(b), id(a));
            }
        }
        trace.record("bridge " + id(bridge) + " between " + describe(sideA) + " and " + describe(sideB));
    }

    /** Blocks the one-way link from node {@code from} to node {@code to}. */
    public void blockLink(int from, int to) {
        net.blockLink(id(from), id(to));
        trace.record("link " + id(from) + "->" + id(to) + " blocked");
    }

    /** Reopens every blocked link and ends any partition (connect/disconnect state is unchanged). */
    public void heal() {
        net.heal();
        trace.record("partitions healed");
    }

    // ---------------------------------------------------------------- time

    /** Lets {@code millis} of virtual time pass, running everything that happens meanwhile. */
    public void runFor(long millis) {
        sim.runFor(millis);
    }

    /** Runs the simulation until {@code condition} holds (checked after every event) or {@code maxMillis} pass. */
    public boolean runUntil(BooleanSupplier condition, long maxMillis) {
        return sim.runUntil(condition, maxMillis);
    }

    /** Runs the simulation until {@code f} completes or {@code maxMillis} pass; returns its value. */
    public <T> T await(CompletableFuture<T> f, long maxMillis, String what) {
        if (!sim.runUntil(f::isDone, maxMillis)) {
            throw new AssertionError(what + " did not complete within " + maxMillis + " ms (seed " + seed() + ")");
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + " interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof AssertionError a) {
                throw a;
            }
            AssertionError err = new AssertionError(what + " failed: " + e.getCause());
            err.initCause(e.getCause());
            throw err;
        }
    }

    /** Current virtual time in milliseconds. */
    public long nowMillis() {
        return sim.nowMillis();
    }

    // ---------------------------------------------------------------- leadership and membership

    /** The index of a running, connected node that believes it leads the highest term, or -1. */
    public int leader() {
        int best = -1;
        for (int i = 0; i < n; i++) {
            RaftNode<R> node = nodes.get(i);
            if (node != null && isConnected(i) && node.state() == RaftState.LEADER
                    && (best < 0 || node.term() > nodes.get(best).term())) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Drives the cluster to exactly {@code members} (asking whichever node leads, again after errors), within
     * {@code maxMillis} of virtual time; returns the committed membership.
     */
    public Membership changeMembership(List<Member> members, long maxMillis) {
        trace.record("membership change to " + describeMembers(members) + " requested");
        Membership m = MembershipDriver.setMembers(clock, () -> {
            int leader = leader();
            return leader < 0 ? null : nodes.get(leader);
        }, members, maxMillis, this::describeNodes);
        trace.record("membership is " + m.configuration());
        return m;
    }

    /**
     * Asks the current leader to hand leadership to node {@code target} and waits up to {@code maxMillis}; returns
     * whether {@code target} took over (a transfer can fail, for example when the target is cut off).
     */
    public boolean transferLeadership(int target, long maxMillis) {
        int leader = leader();
        if (leader < 0 || leader == target) {
            return leader == target;
        }
        trace.record("leadership transfer " + id(leader) + " -> " + id(target) + " requested");
        CompletableFuture<String> f = nodes.get(leader).transferLeadership(id(target));
        sim.runUntil(f::isDone, maxMillis);
        boolean ok = f.isDone() && !f.isCompletedExceptionally() && id(target).equals(f.join());
        trace.record("leadership transfer to " + id(target) + (ok ? " done" : " did not happen"));
        return ok;
    }

    private void onLeaderChange(LeaderChange c, LogStore log) {
        if (c.state() == RaftState.LEADER) {
            trace.record(c.nodeId() + " leads term " + c.term());
            invariants.leaderElected(c.nodeId(), c.term());
            invariants.checkLeaderCompleteness(c.nodeId(), c.term(), log, applied.allApplied());
        }
    }

    // ---------------------------------------------------------------- checks

    private void scheduleChecks() {
        sim.schedule(CHECK_INTERVAL_MS * 1_000_000L, "periodic checks", () -> {
            checkNow();
            scheduleChecks();
        });
    }

    /** Runs every check now: log matching, your invariants on every running node, the replica comparison. */
    public void checkNow() {
        invariants.checkLogMatching(liveLogs());
        for (int i = 0; i < n; i++) {
            checkStateOf(i);
        }
        compareReplicas();
    }

    private void checkStateOf(int i) {
        CheckedStateMachine<S, R> m = machines.get(i);
        if (m == null || stateInvariants.isEmpty()) {
            return;
        }
        for (StateInvariant<? super S> inv : stateInvariants) {
            try {
                inv.check(id(i), m.inner());
            } catch (InvariantViolation e) {
                throw e;
            } catch (RuntimeException | AssertionError e) {
                trace.record("invariant violated on " + id(i) + ": " + e.getMessage());
                invariants.violation("invariant on " + id(i) + " (after raft index " + m.lastCommandIndex() + "): "
                        + e.getMessage());
            }
        }
    }

    /** Nodes that applied the same commands must be in the same state (as {@link Builder#replicaState} sees it). */
    private void compareReplicas() {
        if (replicaState == null) {
            return;
        }
        Map<Long, Integer> firstAt = new HashMap<>();
        Map<Long, Object> stateAt = new HashMap<>();
        for (int i = 0; i < n; i++) {
            CheckedStateMachine<S, R> m = machines.get(i);
            if (m == null) {
                continue;
            }
            long at = m.lastCommandIndex();
            Object state = replicaState.apply(m.inner());
            Integer other = firstAt.putIfAbsent(at, i);
            if (other == null) {
                stateAt.put(at, state);
            } else if (!Objects.equals(stateAt.get(at), state)) {
                String message = "replicas diverged: " + id(other) + " and " + id(i) + " both applied every command up to"
                        + " raft index " + at + ", but " + id(other) + " is in state " + stateAt.get(at) + " and " + id(i)
                        + " in state " + state;
                trace.record(message);
                invariants.violation(message);
            }
        }
    }

    private Map<String, LogStore> liveLogs() {
        Map<String, LogStore> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            // A node that stopped itself (a storage error) serves nothing; its store may refuse reads.
            if (nodes.get(i) != null && liveLogStores.get(i) != null && nodes.get(i).state() != RaftState.SHUTDOWN) {
                m.put(id(i), liveLogStores.get(i));
            }
        }
        return m;
    }

    /** Raft's invariant checker of this cluster (its violations so far, how many log matching checks ran). */
    public InvariantChecker raftInvariants() {
        return invariants;
    }

    /** What every node applied, as the state machine safety check recorded it. */
    public ApplyRecorder appliedCommands() {
        return applied;
    }

    // ---------------------------------------------------------------- what the run is

    /** The seed this cluster's run is drawn from. */
    public long seed() {
        return sim.seed();
    }

    /** The readable story of the run so far. */
    public Trace trace() {
        return trace;
    }

    /** A random source seeded from the run's seed, for test code's own choices. */
    public RandomGenerator random() {
        return random;
    }

    /** The number of nodes (running or not). */
    public int size() {
        return n;
    }

    /** The settings every node runs with. */
    public RaftConfig config() {
        return config;
    }

    /** The simulator underneath (its clock, its event trace, its hash of the run). */
    public Simulation simulation() {
        return sim;
    }

    /** The simulated network underneath (one-way links, counters). */
    public SimNetwork network() {
        return net;
    }

    /**
     * A further life of node {@code i} (which must be down), for a test that speaks as it through
     * {@code network().transport(...)}; the next {@link #start} replaces it.
     */
    public NodeIncarnation nextIncarnation(int i) {
        if (isUp(i)) {
            throw new IllegalStateException("node " + id(i) + " is up");
        }
        incarnations[i] = incarnations[i].next();
        return incarnations[i];
    }

    /** One line per node: its status, or "down". */
    public String describeNodes() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            RaftNode<R> node = nodes.get(i);
            sb.append(i == 0 ? "" : "; ").append(id(i)).append(": ").append(node == null ? "down" : node.status());
        }
        return sb.toString();
    }

    /** Runs every check a last time, then stops every node. Throws the first violation of the run, if any. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (invariants.violations().isEmpty()) {
                checkNow();
            }
            invariants.assertNone();
        } finally {
            for (int i = 0; i < n; i++) {
                if (nodes.get(i) != null) {
                    incarnations[i].kill();
                    nodes.set(i, null);
                    machines.set(i, null);
                }
            }
        }
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("node " + i + " of " + n);
        }
    }

    /** Members as "{n0, n1, n2(non-voter)}". */
    private static String describeMembers(List<Member> members) {
        StringBuilder sb = new StringBuilder("{");
        for (int k = 0; k < members.size(); k++) {
            Member m = members.get(k);
            sb.append(k == 0 ? "" : ", ").append(m.id()).append(m.voter() ? "" : "(non-voter)");
        }
        return sb.append('}').toString();
    }

    private static String describe(int[] group) {
        StringBuilder sb = new StringBuilder("{");
        for (int k = 0; k < group.length; k++) {
            sb.append(k == 0 ? "" : ",").append(id(group[k]));
        }
        return sb.append('}').toString();
    }

    /**
     * How a {@link SimulatedCluster} is made: its size, settings, storage, clock faults and checks.
     *
     * @param <S> your state machine type
     * @param <R> its result type
     */
    public static final class Builder<S extends StateMachine<R>, R> {

        private final StateMachineFactory<? extends S> factory;
        private int nodes = 3;
        private int initialMembers = -1;
        private long seed = 1;
        private RaftConfig config = RaftConfig.defaults().withPreVote(true).withCheckQuorum(true);
        private Storage storage = Storage.IN_MEMORY;
        private IntFunction<LatencyModel> latency = i -> LatencyModel.DEFAULT;
        private ClockFaults clockFaults = ClockFaults.NONE;
        private final Map<Integer, TimerModel> timerOverrides = new HashMap<>();
        private final EnumSet<Safeguard> disabledSafeguards = EnumSet.noneOf(Safeguard.class);
        private final List<StateInvariant<? super S>> stateInvariants = new ArrayList<>();
        private final List<NodeService<S, R>> services = new ArrayList<>();
        private Function<? super S, ?> replicaState;
        private boolean eventTrace;

        private Builder(StateMachineFactory<? extends S> factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        /** How many nodes (default 3). */
        public Builder<S, R> nodes(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a cluster needs at least one node, not " + count);
            }
            this.nodes = count;
            return this;
        }

        /**
         * How many of the nodes form the bootstrapped cluster (default: all); the others run empty, waiting to be
         * added as members ({@link SimulatedCluster#changeMembership}). {@link #build()} starts the nodes one after
         * another and runs the simulation until each initial member's bootstrap is durable before starting the next.
         *
         * <p>0: every node starts, at virtual time 0, and none is bootstrapped; bootstrap them yourself
         * ({@code node(i).bootstrap(configuration)}), as a deployment script would, before running the simulation.
         */
        public Builder<S, R> initialMembers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("initial members must be 0 or more, not " + count);
            }
            this.initialMembers = count;
            return this;
        }

        /** The seed every random choice of the run is drawn from (default 1). */
        public Builder<S, R> seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The nodes' settings (default: {@link RaftConfig#defaults()} with PreVote and CheckQuorum on). */
        public Builder<S, R> config(RaftConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Where the nodes keep their state (default {@link Storage#IN_MEMORY}). */
        public Builder<S, R> storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /** How long node {@code i}'s tasks wait in its executors (default {@link LatencyModel#DEFAULT}: a 0.2–1 ms fsync). */
        public Builder<S, R> latency(IntFunction<LatencyModel> latencyOfNode) {
            this.latency = Objects.requireNonNull(latencyOfNode, "latencyOfNode");
            return this;
        }

        /** Clock drift and timer lateness every node gets at each start (default none). */
        public Builder<S, R> clockFaults(ClockFaults faults) {
            this.clockFaults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** Node {@code i}'s timers follow {@code timers} instead of the clock faults' timer model. */
        public Builder<S, R> timers(int i, TimerModel timers) {
            this.timerOverrides.put(i, Objects.requireNonNull(timers, "timers"));
            return this;
        }

        /** A control run: the nodes run without {@code safeguard}. */
        public Builder<S, R> withoutSafeguard(Safeguard safeguard) {
            this.disabledSafeguards.add(safeguard);
            return this;
        }

        /** Adds a property of your state machine checked on every running node (see {@link StateInvariant}). */
        public Builder<S, R> invariant(StateInvariant<? super S> invariant) {
            this.stateInvariants.add(Objects.requireNonNull(invariant, "invariant"));
            return this;
        }

        /**
         * Compares replicas: nodes whose state machines applied the same commands must give equal values
         * ({@link Object#equals}) here. Catches a non-deterministic {@code apply} and a snapshot that loses part of the
         * state. Return a value object (a copy of the balances, say), not the state machine itself.
         */
        public Builder<S, R> replicaState(Function<? super S, ?> view) {
            this.replicaState = Objects.requireNonNull(view, "view");
            return this;
        }

        /**
         * Runs {@code service} beside every node: it is called at each start of each node with that life
         * ({@link NodeService}), in the order services were added. Registering one also draws each life's clock
         * origin from the seed, so a cluster's runs with and without services differ.
         */
        public Builder<S, R> nodeService(NodeService<S, R> service) {
            this.services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /** Also record the simulator's event trace (one line per message, timer and task; slower). */
        public Builder<S, R> eventTrace(boolean on) {
            this.eventTrace = on;
            return this;
        }

        /** Builds the cluster, starts every node and bootstraps the initial members. */
        public SimulatedCluster<S, R> build() {
            if (initialMembers < 0) {
                initialMembers = nodes;
            }
            if (initialMembers > nodes) {
                throw new IllegalArgumentException("initial members must be in 0.." + nodes + ", not " + initialMembers);
            }
            SimulatedCluster<S, R> c = new SimulatedCluster<>(this);
            c.startAll();
            return c;
        }
    }
}
