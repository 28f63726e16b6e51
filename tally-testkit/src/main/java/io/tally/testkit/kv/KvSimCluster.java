package io.tally.testkit.kv;

import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.kv.KvStateMachine;
import io.tally.kv.SessionRule;
import io.tally.raft.Membership;
import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.testkit.harness.InMemoryDisk;
import io.tally.testkit.harness.MembershipDriver;
import io.tally.testkit.harness.SimClock;
import io.tally.raft.Safeguard;
import io.tally.testkit.sim.ClockFaults;
import io.tally.testkit.sim.ClockModel;
import io.tally.testkit.sim.LatencyModel;
import io.tally.testkit.sim.TimerModel;
import io.tally.testkit.sim.NodeIncarnation;
import io.tally.testkit.sim.SimNetwork;
import io.tally.testkit.sim.SimRuntime;
import io.tally.testkit.sim.Simulation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The key/value store on simulated nodes: each node a real {@link RaftNode} with a {@link KvStateMachine},
 * run by the simulator in virtual time over the simulated network, with crash-consistent in-memory disks.
 * Clients ({@link SimKvClient}) talk to the nodes' {@link KvService}s directly, as the course's clerks do.
 * Each node incarnation's monotonic clock is virtual time from an origin of its own (as {@code System.nanoTime}'s
 * is per process), and leaders stamp entries from it, so session expiry is deterministic too.
 *
 * <p>A growable cluster ({@link #createGrowable}) has spare node slots: every slot runs a node, but only the
 * first {@code initial} are bootstrapped; the others start empty and wait to be added as members
 * ({@link #requestMembership}, {@link #changeMembership}).
 */
public final class KvSimCluster implements AutoCloseable {

    private final Simulation sim;
    private final SimNetwork net;
    private final RaftConfig config;
    private final int n;
    private final NodeIncarnation[] incarnations;
    private final InMemoryDisk[] disks;
    private final KvService[] services;
    private final RandomGenerator random;
    private final Setup setup;
    /** Draws each incarnation's clock; null without clock faults (so that they draw nothing from the seed). */
    private final RandomGenerator clockRandom;
    private final RandomGenerator clockOrigins;
    private final KvTruth truth;
    private final NodeClock[] clocks;
    private boolean unreliable;

    /** Sessions of the simulated clusters expire after 10 minutes idle unless a scenario says otherwise. */
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofMinutes(10);

    /**
     * Faults and switches a cluster's nodes get at every start: clock and timer faults ({@link ClockFaults}, and
     * per-node timer models that override them), safeguards switched off for a control run, and the state
     * machines' session TTL and rule.
     */
    public static final class Setup {
        private ClockFaults clocks = ClockFaults.NONE;
        private final java.util.Map<Integer, TimerModel> timers = new java.util.HashMap<>();
        private final java.util.EnumSet<Safeguard> disabled = java.util.EnumSet.noneOf(Safeguard.class);
        private Duration sessionTtl = DEFAULT_SESSION_TTL;
        private SessionRule sessionRule = SessionRule.REGISTERED;
        private long historyRevisions = KvStateMachine.DEFAULT_HISTORY_REVISIONS;
        private double serviceClockSkew;
        private long serviceClockJumpAtMillis = -1;
        private long serviceClockJumpMillis;

        public Setup clocks(ClockFaults faults) {
            this.clocks = java.util.Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** Node {@code i}'s timers follow {@code model} instead of the clock faults' timers. */
        public Setup timers(int i, TimerModel model) {
            timers.put(i, java.util.Objects.requireNonNull(model, "model"));
            return this;
        }

        /** A control run: the nodes start without this safeguard. */
        public Setup withoutSafeguard(Safeguard safeguard) {
            disabled.add(safeguard);
            return this;
        }

        /**
         * Sessions expire after {@code ttl} idle, under {@code rule} ({@link SessionRule#IMPLICIT_UNSAFE} only for
         * control runs).
         */
        public Setup sessions(Duration ttl, SessionRule rule) {
            this.sessionTtl = java.util.Objects.requireNonNull(ttl, "ttl");
            this.sessionRule = java.util.Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * A control run: every node's {@link KvService} (its lessor and its stamps) reads a clock that runs
         * {@code extraRate} faster than the node's own monotonic clock (0.5: half as fast again), while Raft keeps the
         * node's true clock. A lessor on such a clock expires leases early.
         */
        public Setup serviceClockSkew(double extraRate) {
            this.serviceClockSkew = extraRate;
            return this;
        }

        /**
         * A control run: at {@code atMillis} of virtual time every node's {@link KvService} clock jumps forward by
         * {@code byMillis} (as a wall clock stepped by NTP would, had the service read one), while Raft keeps the
         * node's true clock.
         */
        public Setup serviceClockJump(long atMillis, long byMillis) {
            this.serviceClockJumpAtMillis = atMillis;
            this.serviceClockJumpMillis = byMillis;
            return this;
        }

        /** The state machines keep the events of the last {@code revisions} revisions for watches (and snapshots). */
        public Setup history(long revisions) {
            this.historyRevisions = revisions;
            return this;
        }
    }

    private KvSimCluster(int n, long seed, RaftConfig config, Setup setup) {
        this.setup = setup;
        this.sim = new Simulation(seed);
        this.net = new SimNetwork(sim);
        this.config = config;
        this.n = n;
        this.incarnations = new NodeIncarnation[n];
        this.disks = new InMemoryDisk[n];
        this.services = new KvService[n];
        this.clocks = new NodeClock[n];
        this.random = sim.newRandom();
        this.clockRandom = setup.clocks.equals(ClockFaults.NONE) ? null : sim.newRandom();
        this.clockOrigins = sim.newRandom();
        this.truth = new KvTruth(sim, setup.sessionTtl, setup.sessionRule);
        for (int i = 0; i < n; i++) {
            disks[i] = new InMemoryDisk();
        }
    }

    /** A started, bootstrapped cluster of {@code n} nodes. */
    public static KvSimCluster create(int n, long seed, RaftConfig config) {
        return createGrowable(n, n, seed, config);
    }

    /** A started, bootstrapped cluster of {@code n} nodes with these faults and switches. */
    public static KvSimCluster create(int n, long seed, RaftConfig config, Setup setup) {
        return createGrowable(n, n, seed, config, setup);
    }

    /**
     * A started, bootstrapped cluster of {@code n} nodes whose state machines expire sessions after {@code sessionTtl}
     * idle, under {@code sessionRule} ({@link SessionRule#IMPLICIT_UNSAFE} only for control runs).
     */
    public static KvSimCluster create(int n, long seed, RaftConfig config, Duration sessionTtl, SessionRule sessionRule) {
        return createGrowable(n, n, seed, config, new Setup().sessions(sessionTtl, sessionRule));
    }

    /**
     * {@code slots} running nodes, of which only the first {@code initial} are bootstrapped as voters; the others
     * start empty (no configuration, never campaigning) and wait to be added by a membership change.
     */
    public static KvSimCluster createGrowable(int slots, int initial, long seed, RaftConfig config) {
        return createGrowable(slots, initial, seed, config, new Setup());
    }

    private static KvSimCluster createGrowable(int slots, int initial, long seed, RaftConfig config, Setup setup) {
        if (slots < 1 || initial < 1 || initial > slots) {
            throw new IllegalArgumentException("a cluster needs at least one node, and 1..slots initial members");
        }
        KvSimCluster c = new KvSimCluster(slots, seed, config, setup);
        String[] ids = new String[initial];
        for (int i = 0; i < initial; i++) {
            ids[i] = id(i);
        }
        for (int i = 0; i < slots; i++) {
            c.start(i);
            if (i < initial) {
                c.services[i].node().bootstrap(Configuration.ofVoters(ids));
            }
        }
        return c;
    }

    public static String id(int i) {
        return "n" + i;
    }

    public int size() {
        return n;
    }

    public Simulation simulation() {
        return sim;
    }

    public RandomGenerator random() {
        return random;
    }

    /** How the nodes' state machines come to hold a session; clients follow it. */
    public SessionRule sessionRule() {
        return setup.sessionRule;
    }

    public Duration sessionTtl() {
        return setup.sessionTtl;
    }

    /**
     * What the cluster committed, as every node applied it: the ground truth that checkers compare watches, reads and
     * leases with ({@link KvTruth}). Every node's applied command and published view is checked against it as it
     * happens.
     */
    public KvTruth truth() {
        return truth;
    }

    /**
     * A node incarnation's own monotonic clock, as its Raft node and (outside control runs) its {@link KvService} read
     * it: readable at any time, also after the incarnation crashed (its clock would have gone on).
     */
    public record NodeClock(String incarnation, ClockModel model, LongSupplier reading) {
        /** The reading now, in ns (an arbitrary origin of its own). */
        public long now() {
            return reading.getAsLong();
        }
    }

    /** Node {@code i}'s current (or last) incarnation's clock. */
    public NodeClock clock(int i) {
        return clocks[i];
    }

    /** Node {@code i}'s current (or last) incarnation, as "n2#3", for reports. */
    public String incarnationName(int i) {
        return incarnations[i].name();
    }

    /** Node {@code i}'s service, or null while it is down. */
    public KvService service(int i) {
        return services[i];
    }

    /** Starts node {@code i} from its disk (crashing the running incarnation first). */
    public void start(int i) {
        if (services[i] != null) {
            crash(i);
        }
        incarnations[i] = incarnations[i] == null ? NodeIncarnation.first(id(i)) : incarnations[i].next();
        KvStateMachine store = new KvStateMachine(setup.sessionTtl, setup.sessionRule, setup.historyRevisions);
        ClockModel clock = clockRandom == null ? ClockModel.exact() : setup.clocks.drawClock(clockRandom);
        TimerModel timers = setup.timers.getOrDefault(i, setup.clocks.timers());
        SimRuntime runtime = new SimRuntime(sim, incarnations[i], LatencyModel.DEFAULT, clock, timers);
        RaftNode.Builder<KvResult> b = RaftNode.<KvResult>builder().id(id(i)).config(config)
                .stateMachine(truth.wrap(store, incarnations[i].name()))
                .logStore(disks[i].logStore()).stableStore(disks[i].stableStore()).snapshotStore(disks[i].snapshotStore())
                .transport(net.transport(incarnations[i]))
                .runtime(runtime);
        setup.disabled.forEach(b::withoutSafeguard);
        RaftNode<KvResult> node = b.build();
        node.start();
        // The node's own clock (drifting, or timer-driven, with the clock faults), from an origin of its own: a leader
        // stamps entries from its monotonic clock, whose readings mean nothing on another node.
        long origin = clockOrigins.nextLong(-(1L << 50), 1L << 50);
        LongSupplier own = () -> runtime.nanoTime() + origin;
        clocks[i] = new NodeClock(incarnations[i].name(), clock, own);
        LongSupplier serviceClock = own;
        if (setup.serviceClockSkew != 0 || setup.serviceClockJumpAtMillis >= 0) {
            long base = own.getAsLong();
            serviceClock = () -> {
                long t = own.getAsLong();
                long skewed = base + (long) ((t - base) * (1 + setup.serviceClockSkew));
                boolean jumped = setup.serviceClockJumpAtMillis >= 0
                        && sim.nowNanos() >= setup.serviceClockJumpAtMillis * 1_000_000L;
                return skewed + (jumped ? setup.serviceClockJumpMillis * 1_000_000L : 0);
            };
        }
        // The service's own timers (lease expiry, watch progress) run on the simulation directly, owned by this
        // incarnation: they must not feed a timer-driven clock model, which stands for the Raft core's tick counting.
        NodeIncarnation inc = incarnations[i];
        services[i] = new KvService(node, store, serviceClock, Duration.ofSeconds(2),
                (delay, task) -> sim.schedule(delay, "kv-service " + id(i), inc, task));
    }

    /**
     * Freezes node {@code i} for {@code millis} of virtual time (GC pause, SIGSTOP): nothing of it runs, messages to
     * it wait, its clock goes on ({@link NodeIncarnation#pauseUntil}).
     */
    public void pause(int i, long millis) {
        incarnations[i].pauseUntil(sim.nowNanos() + millis * 1_000_000L);
    }

    /** Until when node {@code i}'s current incarnation is (or was last) paused, in ns of virtual time (0: never). */
    public long pausedUntilNanos(int i) {
        return incarnations[i].pausedUntilNanos();
    }

    /** Kills node {@code i}: it never runs again; only what its disk had made durable survives. */
    public void crash(int i) {
        if (services[i] == null) {
            return;
        }
        incarnations[i].kill();
        disks[i].crash();
        services[i] = null;
    }

    /** The index of node {@code i}'s newest durable snapshot (0: none). */
    public long snapshotIndex(int i) {
        try {
            return disks[i].snapshotStore().latest().map(m -> m.lastIndex()).orElse(0L);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bytes of node {@code i}'s newest durable snapshot (0: none). */
    public long snapshotBytes(int i) {
        try {
            return disks[i].snapshotStore().latest().map(m -> m.sizeBytes()).orElse(0L);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The node that leads at the highest term, waiting up to {@code maxMillis} of virtual time for one. */
    public int awaitLeader(long maxMillis) {
        int[] found = {-1};
        sim.runUntil(() -> {
            long best = -1;
            for (int i = 0; i < n; i++) {
                KvService s = services[i];
                if (s != null && s.node().state() == io.tally.raft.RaftState.LEADER && s.node().term() > best) {
                    best = s.node().term();
                    found[0] = i;
                }
            }
            return found[0] >= 0;
        }, maxMillis);
        if (found[0] < 0) {
            throw new AssertionError("no leader within " + maxMillis + " ms");
        }
        return found[0];
    }

    /** The running node that believes it leads the highest term, or -1 (does not run the simulation). */
    public int currentLeader() {
        int best = -1;
        for (int i = 0; i < n; i++) {
            KvService s = services[i];
            if (s != null && s.node().state() == RaftState.LEADER
                    && (best < 0 || s.node().term() > services[best].node().term())) {
                best = i;
            }
        }
        return best;
    }

    /** Whether node {@code i} is running. */
    public boolean isUp(int i) {
        return services[i] != null;
    }

    /**
     * Asks whichever node leads now to set the membership to exactly {@code members} ({@link ConfigChange.SetMembers},
     * joint consensus, new voters caught up first), without running the simulation: the scenario carries on while
     * the change proceeds. Returns the node's future, or null when no running node leads. Should the asked node
     * crash, its future never completes.
     */
    public CompletableFuture<Membership> requestMembership(List<Member> members, Duration timeout) {
        int leader = currentLeader();
        if (leader < 0) {
            return null;
        }
        return services[leader].node().changeMembership(new ConfigChange.SetMembers(members), -1, timeout);
    }

    /**
     * Drives the cluster to exactly {@code members}, running the simulation, asking whichever node leads
     * ({@link MembershipDriver}).
     */
    public Membership changeMembership(List<Member> members, long maxMillis) {
        return MembershipDriver.setMembers(new SimClock(sim), () -> {
            int leader = currentLeader();
            return leader < 0 ? null : services[leader].node();
        }, members, maxMillis, () -> "nodes: " + describe());
    }

    /** Every node's role, term, log, commit and applied indexes and configurations (for failure messages). */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            KvService s = services[i];
            sb.append(i == 0 ? "" : "; ").append(id(i)).append(": ");
            if (s == null) {
                sb.append("down");
                continue;
            }
            RaftNode<KvResult> node = s.node();
            sb.append(node.state()).append(" term ").append(node.term()).append(" leader ").append(node.leader().orElse("-"))
                    .append(" last ").append(node.lastLogIndex()).append(" commit ").append(node.commitIndex())
                    .append(" applied ").append(node.appliedIndex()).append(" committed ").append(node.committedConfiguration())
                    .append(" latest ").append(node.configuration());
        }
        return sb.toString();
    }

    public long persistedRaftStateBytes(int i) {
        return disks[i].persistedRaftStateBytes();
    }

    /** The course's unreliable network, between the nodes and between clients and nodes alike. */
    public void setUnreliable(boolean unreliable) {
        this.unreliable = unreliable;
        net.setReliable(!unreliable);
    }

    public boolean unreliable() {
        return unreliable;
    }

    /** Splits the nodes into groups that talk only among themselves. */
    public void partition(int[]... groups) {
        net.partition(KvSimCluster::id, groups);
    }

    public void heal() {
        net.heal();
    }

    /** Blocks the links between nodes {@code a} and {@code b}, both ways. */
    public void cut(int a, int b) {
        net.blockLink(id(a), id(b));
        net.blockLink(id(b), id(a));
    }

    /** Runs the simulation for {@code millis} of virtual time. */
    public void sleep(long millis) {
        sim.runFor(millis);
    }

    @Override
    public void close() {
        for (int i = 0; i < n; i++) {
            if (incarnations[i] != null) {
                incarnations[i].kill();
            }
        }
    }
}
